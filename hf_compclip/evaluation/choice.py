"""Multiple-choice benchmarks: an image, the texts that describe it, and texts that must score lower.

SugarCrepe, SugarCrepe++, ARO, the order tests, VALSE and VL-CheckList are all this one question with different
files and different averages, so they share the item type and the scoring; each module supplies a loader and
the paper's way of averaging.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from hf_compclip.evaluation.images import ImageRef, ImageStore
from hf_compclip.evaluation.metrics import accuracy, beats_all, group_accuracies, macro_mean
from hf_compclip.evaluation.results import BenchmarkResult
from hf_compclip.evaluation.scorer import Embeddings, EmbeddingScorer


@dataclass(frozen=True)
class ChoiceItem:
    """Correct iff every positive text scores strictly above every negative text against ``image``."""

    image: ImageRef
    positives: tuple[str, ...]
    negatives: tuple[str, ...]
    category: str = "all"
    id: str = ""

    def __post_init__(self) -> None:
        if not self.positives or not self.negatives:
            raise ValueError(f"item {self.id!r}: needs at least one positive and one negative text")


def score_choices(
    scorer: EmbeddingScorer, items: Sequence[ChoiceItem], store: ImageStore, desc: str
) -> list[tuple[list[float], list[float]]]:
    """(positive scores, negative scores) per item, cosine similarities; each distinct input encoded once."""
    images, texts = scorer.encode(
        (item.image for item in items),
        (text for item in items for text in item.positives + item.negatives),
        store,
        desc,
    )
    return choice_similarities(items, images, texts)


def choice_similarities(
    items: Sequence[ChoiceItem], images: Embeddings, texts: Embeddings[str]
) -> list[tuple[list[float], list[float]]]:
    """Read every item's similarities off precomputed embeddings in one batched product."""
    if not items:
        return []
    image_rows = torch.tensor([images.index[item.image] for item in items])
    text_rows = [[texts.index[text] for text in item.positives + item.negatives] for item in items]
    width = max(len(rows) for rows in text_rows)
    padded = torch.tensor([rows + [rows[0]] * (width - len(rows)) for rows in text_rows])
    similarity = torch.einsum("nd,nkd->nk", images.matrix[image_rows], texts.matrix[padded]).tolist()
    return [
        (row[: len(item.positives)], row[len(item.positives) : len(item.positives) + len(item.negatives)])
        for item, row in zip(items, similarity, strict=True)
    ]


def category_scores(items: Sequence[ChoiceItem], correct: Sequence[bool]) -> tuple[dict[str, float], dict[str, int]]:
    """Per-category accuracy, plus ``avg`` (macro over categories) and ``micro`` (pooled over items)."""
    per_category, counts = group_accuracies((item.category for item in items), correct)
    scores = dict(sorted(per_category.items()))
    counts = dict(sorted(counts.items()))
    scores["avg"] = macro_mean(per_category)
    scores["micro"] = accuracy(correct)
    counts["avg"] = counts["micro"] = len(items)
    return scores, counts


Summary = Callable[[Sequence[ChoiceItem], Sequence[bool]], tuple[dict[str, float], dict[str, int]]]


@dataclass
class ChoiceBenchmark:
    """A loaded multiple-choice benchmark, ready to score any model.

    Args:
        name: flat metric prefix (``sugarcrepe``, ``valse`` ...).
        items: the items kept after the benchmark's filters.
        images: where the items' images come from.
        summarize: the benchmark's averaging, from items and their correctness to scores and counts.
        primary: the headline key of the scores.
        details: facts about loading (filters applied, items skipped, seeds) copied into every result.
    """

    name: str
    items: list[ChoiceItem]
    images: ImageStore
    summarize: Summary = category_scores
    primary: str = "avg"
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.items:
            raise ValueError(f"{self.name}: no items to score")

    def correctness(self, scorer: EmbeddingScorer) -> list[bool]:
        scored = score_choices(scorer, self.items, self.images, desc=self.name)
        return [beats_all(positives, negatives) for positives, negatives in scored]

    def run(self, scorer: EmbeddingScorer) -> BenchmarkResult:
        scores, counts = self.summarize(self.items, self.correctness(scorer))
        return BenchmarkResult(self.name, scores, counts, self.primary, dict(self.details))


def require_images(items: Sequence[ChoiceItem], store: ImageStore, benchmark: str) -> None:
    """Fail before any encoding when images are missing, naming the first ones and how many."""
    missing = [item for item in items if not store.exists(item.image.key)]
    if missing:
        shown = "; ".join(f"item {item.id}: {store.describe(item.image.key)}" for item in missing[:3])
        raise FileNotFoundError(f"{benchmark}: {len(missing)} of {len(items)} images not found ({shown})")
