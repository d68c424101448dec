"""The word lists of the rules generator, loaded from package data and indexed for lookup.

A replacement is only a hard negative if it is a different thing of the same kind: the lexicon groups words
into categories (a colour for a colour, an animal for an animal) and lists synonym groups whose members must
never stand in for one another ("bike" for "bicycle" is not a negative), and generic words ("person",
"water") that are never edited because their replacement would often still be true.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

KINDS = ("object", "attribute", "relation", "action", "number", "compound")


@dataclass(frozen=True)
class Entry:
    """One reading of a word or phrase: what it is, its category, its lemma and its grammatical form.

    ``form`` is 0 (singular) or 1 (plural) for objects, 0 (base), 1 (third person) or 2 (-ing) for actions,
    and 0 for everything else.
    """

    kind: str
    category: str
    lemma: str
    form: int = 0


class Lexicon:
    """Lookup tables over the lexicon JSON (see ``data/lexicon.json`` for the format)."""

    def __init__(self, data: dict, source: str = "<dict>") -> None:
        self.source = source
        self.phrases: dict[tuple[str, ...], list[Entry]] = {}
        self._members: dict[tuple[str, str, int], list[tuple[str, str]]] = {}
        try:
            for category, pairs in data["objects"].items():
                for forms in pairs:
                    self._add_forms("object", category, forms)
            for category, items in data["attributes"].items():
                for word in items:
                    self._add_forms("attribute", category, [word])
            for category, items in data["relations"].items():
                for phrase in items:
                    self._add_forms("relation", category, [phrase])
            for category, triples in data["actions"].items():
                for forms in triples:
                    self._add_forms("action", category, forms)
            for word in data["numbers"]:
                self._add_forms("number", "count", [word])
            for phrase in data["compounds"]:
                self._add(tuple(phrase.split()), Entry("compound", "compound", phrase))
            self.generic = frozenset(data["generic"])
            # Optional for lexicons written before frames existed.
            self.frames = frozenset(tuple(phrase.split()) for phrase in data.get("frames", ()))
            self._related: dict[str, set[str]] = {}
            for group in data["synonyms"]:
                for lemma in group:
                    self._related.setdefault(lemma, set()).update(group)
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(
                f"{source}: malformed lexicon ({error!r}); see hf_compclip/negatives/data/lexicon.json"
            ) from error
        self.max_phrase_length = max(len(phrase) for phrase in [*self.phrases, *self.frames])

    def _add_forms(self, kind: str, category: str, forms: list[str]) -> None:
        lemma = forms[0]
        for form, surface in enumerate(forms):
            self._add(tuple(surface.split()), Entry(kind, category, lemma, form))
            self._members.setdefault((kind, category, form), []).append((lemma, surface))

    def _add(self, phrase: tuple[str, ...], entry: Entry) -> None:
        readings = self.phrases.setdefault(phrase, [])
        if entry not in readings:
            readings.append(entry)

    @classmethod
    def from_file(cls, path: str | Path) -> Lexicon:
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}: not valid JSON ({error})") from error
        return cls(data, source=str(path))

    def alternatives(self, entry: Entry) -> tuple[str, ...]:
        """Surface forms that can replace ``entry``: same kind, category and form, not a synonym, not generic."""
        return _alternatives(self, entry)

    def is_generic(self, lemma: str) -> bool:
        return lemma in self.generic

    def categories(self, phrase: str) -> set[str]:
        """Every ``"kind:category"`` that ``phrase`` (any case) belongs to; empty when it is not in the lexicon."""
        return {f"{entry.kind}:{entry.category}" for entry in self.phrases.get(tuple(phrase.lower().split()), [])}

    def related(self, lemma: str) -> set[str]:
        """Lemmas that must never replace ``lemma`` (itself and its synonym groups)."""
        return self._related.get(lemma, set()) | {lemma}


@cache
def _alternatives(lexicon: Lexicon, entry: Entry) -> tuple[str, ...]:
    excluded = lexicon.related(entry.lemma)
    return tuple(
        surface
        for lemma, surface in lexicon._members.get((entry.kind, entry.category, entry.form), [])
        if lemma not in excluded and lemma not in lexicon.generic
    )


@cache
def default_lexicon() -> Lexicon:
    """The lexicon shipped with the package."""
    source = resources.files("hf_compclip.negatives").joinpath("data", "lexicon.json")
    return Lexicon(json.loads(source.read_text(encoding="utf-8")), source="hf_compclip/negatives/data/lexicon.json")
