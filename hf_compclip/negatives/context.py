"""A small word bigram model that ranks a rule's candidate edits by how plausible they read in context.

The lexicon guarantees that a replacement is of the right kind (a colour for a colour), not that it fits its
neighbours: "riding on a horse" -> "using on a horse" is category-consistent and implausible. Scoring each
candidate's few words with their left and right neighbours and keeping the most probable ones removes most of
those, at the cost of a few dictionary lookups per candidate (memoised per context).

The shipped model is fitted on the 4,839 captions of NegCLIP's COCO validation file (COCO val2014 images, none
of them in the Karpathy test split on which docs/negatives.md measures quality), so the generator never fits
on the captions that the report's judges are trained or tested on. For training, fit one on the training
captions themselves (``RulesGenerator(context="train_captions.txt")``).
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterable
from functools import cache, lru_cache
from importlib import resources
from itertools import pairwise
from pathlib import Path

from .text import words

START, END = "<s>", "</s>"
DEFAULT_CONTEXT_SOURCE = "hf_compclip/negatives/data/context_captions.txt"


class ContextModel:
    """Interpolated absolute-discounting word bigram model, add-one smoothed unigrams.

    A bigram model (not the trigram of the quality report's judge) fitted on whatever captions it is given;
    its :attr:`fingerprint` hashes the counts, so a generator using it changes its cache key when they change.
    """

    def __init__(self, texts: Iterable[str], discount: float = 0.75) -> None:
        self.discount = discount
        self.unigrams: Counter = Counter()
        self.bigrams: Counter = Counter()
        self.contexts: Counter = Counter()
        self.followers: Counter = Counter()
        for text in texts:
            tokens = words(text)
            if not tokens:
                continue
            tokens = [START, *tokens, END]
            for left, right in pairwise(tokens):
                self.unigrams[right] += 1
                if self.bigrams[left, right] == 0:
                    self.followers[left] += 1
                self.bigrams[left, right] += 1
                self.contexts[left] += 1
        if not self.unigrams:
            raise ValueError("a context model needs at least one caption with words")
        self.total = sum(self.unigrams.values())
        self.vocabulary = len(self.unigrams) + 1
        self.log_probability = lru_cache(maxsize=1 << 20)(self._compute_log_probability)
        counts = sorted(f"{left} {right} {count}" for (left, right), count in self.bigrams.items())
        self.fingerprint = hashlib.sha256("\n".join([f"discount {discount}", *counts]).encode("utf-8")).hexdigest()[
            :32
        ]

    @classmethod
    def from_file(cls, path: str | Path) -> ContextModel:
        """Fit on a caption file in any format :func:`~hf_compclip.negatives.read_captions` reads."""
        from .inputs import read_captions

        return cls(record["caption"] for record in read_captions(path))

    def _compute_log_probability(self, left: str, right: str) -> float:
        """log P(right | left); memoised per instance as :meth:`log_probability`."""
        probability = (self.unigrams[right] + 1) / (self.total + self.vocabulary)
        context = self.contexts[left]
        if context:
            probability = (
                max(self.bigrams[left, right] - self.discount, 0) + self.discount * self.followers[left] * probability
            ) / context
        return math.log(probability)

    def score(self, tokens: tuple[str, ...]) -> float:
        """Log-probability of each token after the one before it (the first token is context only)."""
        return sum(self.log_probability(left, right) for left, right in pairwise(tokens))

    def __getstate__(self) -> dict:
        return {key: value for key, value in self.__dict__.items() if key != "log_probability"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.log_probability = lru_cache(maxsize=1 << 20)(self._compute_log_probability)


@cache
def default_context_model() -> ContextModel:
    """The model fitted on the caption corpus shipped with the package (see ``data/README.md``)."""
    source = resources.files("hf_compclip.negatives").joinpath("data", "context_captions.txt")
    return ContextModel(source.read_text(encoding="utf-8").splitlines())
