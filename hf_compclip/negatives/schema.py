"""The row schema every generator produces, and the base class that gives generators a stable identity.

The training side relies on two promises: every row has the same number K of typed slots (so a batch of
negatives is a rectangle and slot k always holds the same kind of negative), and an unusable slot holds
``""`` with ``negative_mask`` False rather than being dropped.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

PAPER_NEGATIVE_TYPES = ("relation", "attribute", "object", "action")
NEGATIVE_COLUMNS = ("negatives", "negative_types", "negative_mask")


def negative_features() -> dict:
    """``datasets`` feature types of the three schema columns."""
    from datasets import List, Value

    return {
        "negatives": List(Value("string")),
        "negative_types": List(Value("string")),
        "negative_mask": List(Value("bool")),
    }


def make_row(negative_types: Sequence[str], negatives: Sequence[str | None]) -> dict[str, list]:
    """A schema row from one candidate per slot, ``None`` (or ``""``) marking a slot with no valid negative."""
    if len(negatives) != len(negative_types):
        raise ValueError(f"{len(negatives)} negatives for {len(negative_types)} slots {list(negative_types)}")
    return {
        "negatives": [text or "" for text in negatives],
        "negative_types": list(negative_types),
        "negative_mask": [bool(text) for text in negatives],
    }


def check_captions(captions: Sequence[Any]) -> None:
    """Reject anything but a list of strings, naming the first bad position."""
    if isinstance(captions, str):
        raise TypeError("a generator takes a list of captions, got a single string; wrap it in a list")
    for index, caption in enumerate(captions):
        if not isinstance(caption, str):
            raise TypeError(f"caption {index} is {type(caption).__name__} ({caption!r}), expected a string")


class NegativeGenerator(ABC):
    """A callable from a list of captions to one schema row per caption.

    Subclasses set ``name`` and ``version`` (bump it whenever the output for the same configuration changes)
    and return their configuration from :meth:`config`; the fingerprint built from these is what the
    ``datasets`` cache keys on, so two generators with the same fingerprint must produce the same rows.
    """

    name: str = "generator"
    version: str = "0"

    @property
    @abstractmethod
    def negative_types(self) -> tuple[str, ...]:
        """The slot names, in slot order."""

    @abstractmethod
    def config(self) -> dict[str, Any]:
        """Everything that changes the output, as JSON-serialisable values."""

    @abstractmethod
    def generate(self, captions: list[str]) -> list[dict[str, list]]:
        """One schema row per caption; ``captions`` has been checked to be a list of strings."""

    @property
    def fingerprint(self) -> str:
        identity = {"name": self.name, "version": self.version, "config": self.config()}
        return hashlib.sha256(json.dumps(identity, sort_keys=True).encode("utf-8")).hexdigest()[:32]

    def __call__(self, captions: Sequence[str]) -> list[dict[str, list]]:
        check_captions(captions)
        return self.generate(list(captions))

    def __repr__(self) -> str:
        options = ", ".join(f"{key}={value!r}" for key, value in self.config().items())
        return f"{type(self).__name__}({options})"
