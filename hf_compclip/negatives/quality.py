"""How good are a generator's negatives? Coverage, no-ops, duplicates, and two blind judges.

A negative that a text-only model can tell from a real caption teaches CLIP grammar instead of vision
(SugarCrepe). Two judges look for that, each cross-validated over folds of images and scored pairwise (given a
caption and one of its negatives, which is the real one?), so 50% means indistinguishable:

- the artifact probe: logistic regression on character n-grams trained on captions against negatives. It
  catches tokenisation, spacing, casing, vocabulary and length artifacts.
- the plausibility judge: a word trigram language model trained on real captions only (it never sees a
  negative). It prefers the text it finds more probable, so it catches word orders and word combinations
  that captions do not have ("a street riding a bike down the man"), which character n-grams miss.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from .text import normalize, words

ALL_TYPES = "all"


class TrigramLanguageModel:
    """Interpolated absolute-discounting trigram model over lower-cased words, add-one at the unigram level."""

    def __init__(self, texts: Sequence[str], discount: float = 0.75) -> None:
        self.discount = discount
        self.unigrams: Counter = Counter()
        self.bigrams: Counter = Counter()
        self.trigrams: Counter = Counter()
        self.contexts1: Counter = Counter()  # count of (v, *)
        self.contexts2: Counter = Counter()  # count of (u, v, *)
        self.types1: Counter = Counter()  # distinct w after v
        self.types2: Counter = Counter()  # distinct w after (u, v)
        for text in texts:
            tokens = ["<s>", "<s>", *words(text), "</s>"]
            for index in range(2, len(tokens)):
                u, v, w = tokens[index - 2], tokens[index - 1], tokens[index]
                self.unigrams[w] += 1
                if self.bigrams[v, w] == 0:
                    self.types1[v] += 1
                self.bigrams[v, w] += 1
                self.contexts1[v] += 1
                if self.trigrams[u, v, w] == 0:
                    self.types2[u, v] += 1
                self.trigrams[u, v, w] += 1
                self.contexts2[u, v] += 1
        self.total = sum(self.unigrams.values())
        self.vocabulary = len(self.unigrams) + 1

    def _probability(self, u: str, v: str, w: str) -> float:
        probability = (self.unigrams[w] + 1) / (self.total + self.vocabulary)
        context = self.contexts1[v]
        if context:
            probability = (
                max(self.bigrams[v, w] - self.discount, 0) + self.discount * self.types1[v] * probability
            ) / context
        context = self.contexts2[u, v]
        if context:
            probability = (
                max(self.trigrams[u, v, w] - self.discount, 0) + self.discount * self.types2[u, v] * probability
            ) / context
        return probability

    def log_probability(self, text: str) -> float:
        tokens = ["<s>", "<s>", *words(text), "</s>"]
        return sum(math.log(self._probability(*tokens[index - 2 : index + 1])) for index in range(2, len(tokens)))


def _pairwise_accuracy(real_scores: Sequence[float], negative_scores: Sequence[float]) -> float:
    """Share of pairs where the real caption scores higher; a tie counts half."""
    total = 0.0
    for real, negative in zip(real_scores, negative_scores, strict=True):
        total += 1.0 if real > negative else 0.5 if real == negative else 0.0
    return total / len(real_scores)


def _folds(groups: Sequence[str], num_folds: int, seed: int) -> list[int]:
    unique = sorted(set(groups))
    random.Random(seed).shuffle(unique)
    fold_of = {group: index % num_folds for index, group in enumerate(unique)}
    return [fold_of[group] for group in groups]


def _judge(
    captions: Sequence[str],
    pairs: list[tuple[int, str]],
    fold_of: list[int],
    language_models: list[TrigramLanguageModel],
) -> dict[str, Any]:
    """Cross-validated pairwise accuracy of both judges on ``pairs`` of (caption index, negative).

    A fold with nothing to train on (all of the type's pairs in it) is skipped, so the accuracies are over the
    pairs judged, given as ``num_judged``; with none judged they are ``None`` rather than a misleading 0.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    probe_correct = judge_correct = 0.0
    judged = 0
    for fold, language_model in enumerate(language_models):
        train = [(index, negative) for index, negative in pairs if fold_of[index] != fold]
        test = [(index, negative) for index, negative in pairs if fold_of[index] == fold]
        if not test or not train:
            continue
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 4), lowercase=False, sublinear_tf=True, min_df=2)
        texts = [captions[index] for index, _ in train] + [negative for _, negative in train]
        probe = LogisticRegression(C=4.0, max_iter=2000).fit(
            vectorizer.fit_transform(texts), [1] * len(train) + [0] * len(train)
        )
        real = probe.decision_function(vectorizer.transform([captions[index] for index, _ in test]))
        fake = probe.decision_function(vectorizer.transform([negative for _, negative in test]))
        probe_correct += _pairwise_accuracy(list(real), list(fake)) * len(test)
        real = [language_model.log_probability(captions[index]) for index, _ in test]
        fake = [language_model.log_probability(negative) for _, negative in test]
        judge_correct += _pairwise_accuracy(real, fake) * len(test)
        judged += len(test)
    if not judged:
        return {"artifact_probe": None, "plausibility_judge": None, "num_judged": 0}
    return {
        "artifact_probe": probe_correct / judged,
        "plausibility_judge": judge_correct / judged,
        "num_judged": judged,
    }


def quality_report(
    captions: Sequence[str],
    rows: Sequence[dict[str, list]],
    groups: Sequence[str | None] | None = None,
    num_folds: int = 5,
    seed: int = 0,
    progress: bool = True,
) -> dict[str, Any]:
    """Per negative type (and over all types): coverage, no-op, duplicate and real-caption rates, both judges.

    Args:
        captions: the real captions; ``rows[i]`` holds the schema row of ``captions[i]``.
        groups: an image id per caption, to keep an image's captions in one fold (captions without one are
            their own group).
        num_folds: cross-validation folds of both judges.

    Over all types (``"all"``), judge accuracies are the per-type ones weighted by the number of negatives judged
    (``num_judged``: a type whose pairs all fall in one fold cannot be cross-validated and is left out).
    Rates: ``coverage`` is the share of captions with a valid slot of that type; ``noop_rate`` the share of valid
    negatives equal to their caption after :func:`normalize`; ``duplicate_rate`` the share equal to another
    valid negative of the same caption; ``real_caption_rate`` the share equal to some real caption of the set
    (a false negative in waiting). Judge accuracies are over the valid negatives that are not no-ops.
    """
    from tqdm.auto import tqdm

    if len(captions) != len(rows):
        raise ValueError(f"{len(captions)} captions but {len(rows)} rows of negatives")
    if groups is None:
        groups = [None] * len(captions)
    group_keys = [f"image:{group}" if group is not None else f"caption:{index}" for index, group in enumerate(groups)]
    fold_of = _folds(group_keys, num_folds, seed)
    real_set = {normalize(caption) for caption in captions}
    types = list(dict.fromkeys(name for row in rows for name in row["negative_types"]))
    stats: dict[str, dict[str, Any]] = defaultdict(lambda: Counter())
    pairs: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for index, (caption, row) in enumerate(zip(captions, rows, strict=True)):
        reference = normalize(caption)
        normalized = [
            normalize(text) if valid else None
            for text, valid in zip(row["negatives"], row["negative_mask"], strict=False)
        ]
        for slot, (name, text, valid) in enumerate(
            zip(row["negative_types"], row["negatives"], row["negative_mask"], strict=False)
        ):
            for key in (name, ALL_TYPES):
                stats[key]["slots"] += 1
                if not valid:
                    continue
                stats[key]["valid"] += 1
                if normalized[slot] == reference:
                    stats[key]["noop"] += 1
                    continue
                if normalized[slot] in normalized[:slot] + normalized[slot + 1 :]:
                    stats[key]["duplicate"] += 1
                if normalized[slot] in real_set:
                    stats[key]["real_caption"] += 1
                pairs[key].append((index, text))
        for name in set(row["negative_types"]):
            if any(
                valid
                for other, valid in zip(row["negative_types"], row["negative_mask"], strict=False)
                if other == name
            ):
                stats[name]["covered"] += 1
        if any(row["negative_mask"]):
            stats[ALL_TYPES]["covered"] += 1
    language_models = [
        TrigramLanguageModel([text for index, text in enumerate(captions) if fold_of[index] != fold])
        for fold in range(num_folds)
    ]
    report: dict[str, Any] = {"num_captions": len(captions), "num_folds": num_folds, "seed": seed, "types": {}}
    for name in tqdm([*types, ALL_TYPES], desc="Judging negatives", disable=not progress):
        counts = stats[name]
        valid = counts["valid"]
        entry = {
            "coverage": counts["covered"] / len(captions) if captions else 0.0,
            "num_negatives": valid,
            "noop_rate": counts["noop"] / valid if valid else 0.0,
            "duplicate_rate": counts["duplicate"] / valid if valid else 0.0,
            "real_caption_rate": counts["real_caption"] / valid if valid else 0.0,
            "artifact_probe": None,
            "plausibility_judge": None,
            "num_judged": 0,
        }
        if name == ALL_TYPES:
            # Over all types: the per-type accuracies weighted by their number of judged negatives.
            judged = [report["types"][other] for other in types if report["types"][other]["num_judged"]]
            count = sum(other["num_judged"] for other in judged)
            entry["num_judged"] = count
            for judge in ("artifact_probe", "plausibility_judge"):
                entry[judge] = sum(other["num_judged"] * other[judge] for other in judged) / count if count else None
        elif pairs[name]:
            entry.update(_judge(captions, pairs[name], fold_of, language_models))
        report["types"][name] = entry
    return report


def report_markdown(reports: dict[str, dict[str, Any]]) -> str:
    """One markdown table over several reports (keyed by a label such as ``"rules on COCO"``)."""

    def percent(value: float | None) -> str:
        return "n/a" if value is None else f"{100 * value:.1f}"

    lines = [
        "| source | type | captions | coverage % | no-op % | duplicate % | real-caption % | artifact probe % | "
        "plausibility judge % |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, report in reports.items():
        for name, entry in report["types"].items():
            lines.append(
                f"| {label} | {name} | {report['num_captions']} | {percent(entry['coverage'])} | "
                f"{percent(entry['noop_rate'])} | {percent(entry['duplicate_rate'])} | "
                f"{percent(entry['real_caption_rate'])} | {percent(entry['artifact_probe'])} | "
                f"{percent(entry['plausibility_judge'])} |"
            )
    return "\n".join(lines) + "\n"


def plot_reports(reports: dict[str, dict[str, Any]], path: str) -> None:
    """Bar chart of both judges' accuracy per source and type, with the 50% line of indistinguishability."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, probe, judge = [], [], []
    for label, report in reports.items():
        for name, entry in report["types"].items():
            if entry["artifact_probe"] is not None:
                labels.append(f"{label}\n{name}")
                probe.append(100 * entry["artifact_probe"])
                judge.append(100 * entry["plausibility_judge"])
    figure, axis = plt.subplots(figsize=(max(6.0, 0.7 * len(labels) + 2), 4.5))
    positions = range(len(labels))
    axis.bar([p - 0.2 for p in positions], probe, width=0.4, label="artifact probe (char n-grams)")
    axis.bar([p + 0.2 for p in positions], judge, width=0.4, label="plausibility judge (word trigram LM)")
    axis.axhline(50, color="black", linestyle="--", linewidth=1, label="indistinguishable")
    axis.set_xticks(list(positions), labels, rotation=60, ha="right", fontsize=7)
    axis.set_ylabel("blind accuracy, % (lower is better)")
    axis.set_ylim(0, 100)
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
