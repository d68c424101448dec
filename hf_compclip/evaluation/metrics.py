"""The benchmarks' metric definitions as pure functions of similarity scores.

Every comparison is strict: a tie between the right answer and a wrong one counts as wrong, so a model that
gives every text the same score gets zero, never chance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence

import torch


def beats_all(positives: Sequence[float], negatives: Sequence[float]) -> bool:
    """True iff every positive scores strictly above every negative."""
    return min(positives) > max(negatives)


def accuracy(correct: Sequence[bool]) -> float:
    if not correct:
        raise ValueError("accuracy of an empty set of items is undefined")
    return sum(bool(flag) for flag in correct) / len(correct)


def group_accuracies(
    groups: Iterable[Hashable], correct: Iterable[bool], min_count: int = 1
) -> tuple[dict[Hashable, float], dict[Hashable, int]]:
    """Accuracy and item count per group, keeping groups with at least ``min_count`` items."""
    buckets: dict[Hashable, list[bool]] = defaultdict(list)
    for group, flag in zip(groups, correct, strict=True):
        buckets[group].append(bool(flag))
    kept = {group: flags for group, flags in buckets.items() if len(flags) >= min_count}
    return {group: accuracy(flags) for group, flags in kept.items()}, {group: len(f) for group, f in kept.items()}


def mean(values: Iterable[float]) -> float:
    values = list(values)
    if not values:
        raise ValueError("mean of no values is undefined")
    return sum(values) / len(values)


def macro_mean(per_group: Mapping[Hashable, float]) -> float:
    """Unweighted mean over groups: every group counts the same however many items it holds."""
    return mean(per_group.values())


def grouped_means(scores: Mapping[str, float], groups: Mapping[str, str]) -> dict[str, float]:
    """Categories in ``groups`` order, each group's unweighted mean, ``avg`` over groups and the pooled ``micro``.

    SugarCrepe and VL-CheckList report their headline this way: a mean of group means, so a group with many
    categories (or many items) weighs no more than a small one.
    """
    categories = {category: scores[category] for category in groups if category in scores}
    members: dict[str, list[float]] = {}
    for category, value in categories.items():
        members.setdefault(groups[category], []).append(value)
    result = {**categories, **{group: mean(values) for group, values in members.items()}}
    result["avg"] = mean(result[group] for group in members)
    result["micro"] = scores["micro"]
    return result


def winoground_scores(scores: torch.Tensor) -> dict[str, float]:
    """Text, image and group scores from ``scores[n, c, i]`` = similarity of caption c and image i of example n.

    Text score: each image prefers its own caption; image score: each caption prefers its own image; group:
    both at once (Thrush et al., 2022).
    """
    if scores.ndim != 3 or scores.shape[1:] != (2, 2):
        raise ValueError(f"winoground scores must have shape (n, 2, 2), got {tuple(scores.shape)}")
    c0_i0, c0_i1, c1_i0, c1_i1 = scores[:, 0, 0], scores[:, 0, 1], scores[:, 1, 0], scores[:, 1, 1]
    text = (c0_i0 > c1_i0) & (c1_i1 > c0_i1)
    image = (c0_i0 > c0_i1) & (c1_i1 > c1_i0)
    return {
        "text": text.float().mean().item(),
        "image": image.float().mean().item(),
        "group": (text & image).float().mean().item(),
    }


def recall_at_k(similarity: torch.Tensor, relevant: Sequence[Sequence[int]], ks: Sequence[int]) -> dict[int, float]:
    """Share of queries (rows) whose best relevant column ranks within the top k.

    The rank of a query counts the irrelevant columns scoring at least as high as its best relevant one, so
    ties go against the model.
    """
    if similarity.shape[0] != len(relevant):
        raise ValueError(f"{similarity.shape[0]} queries but {len(relevant)} lists of relevant items")
    mask = torch.zeros_like(similarity, dtype=torch.bool)
    for row, columns in enumerate(relevant):
        if not columns:
            raise ValueError(f"query {row} has no relevant item")
        mask[row, list(columns)] = True
    best_relevant = similarity.masked_fill(~mask, float("-inf")).max(dim=1).values
    ranks = ((similarity >= best_relevant[:, None]) & ~mask).sum(dim=1)
    return {k: (ranks < k).float().mean().item() for k in ks}


def top_k_accuracy(logits: torch.Tensor, labels: torch.Tensor, ks: Sequence[int]) -> dict[int, float]:
    """Share of rows whose label is among the k best classes, ties counted against the label."""
    true_scores = logits.gather(1, labels[:, None])
    wrong_at_least_as_high = (logits >= true_scores) & ~torch.nn.functional.one_hot(labels, logits.shape[1]).bool()
    ranks = wrong_at_least_as_high.sum(dim=1)
    return {k: (ranks < k).float().mean().item() for k in ks}
