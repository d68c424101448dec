"""A hard-negative generator made of rules and a shipped lexicon: no model, no download.

Each slot is one operation on the caption: a swap of two nouns or of two attributes (the words stay, their
binding changes) or the replacement of one attribute, object, relation, action or number by another of the
same lexicon category. Edits are made on character spans, articles are re-agreed ("a" / "an"), grammatical
number is kept and capitalisation follows the word replaced, so the negative reads like the caption did.
Randomness comes from a generator seeded by (seed, slot, caption): the output of a caption does not depend
on the batch it is in, nor on the number of processes.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .lexicon import Entry, Lexicon, default_lexicon
from .schema import PAPER_NEGATIVE_TYPES, NegativeGenerator, make_row
from .text import apply_edits, indefinite_article, match_case, normalize, tokenize

RULE_OPERATIONS = (
    "swap_object",
    "swap_attribute",
    "replace_attribute",
    "replace_object",
    "replace_relation",
    "replace_action",
    "replace_number",
)
# The paper's four slots, done by rules: its "relation" negative is a swap of two nouns.
PAPER_SLOT_OPERATIONS = {
    "relation": "swap_object",
    "attribute": "replace_attribute",
    "object": "replace_object",
    "action": "replace_action",
}
DEFAULT_SLOTS = PAPER_NEGATIVE_TYPES

_DETERMINERS = frozenset(
    [
        "a",
        "an",
        "the",
        "his",
        "her",
        "its",
        "their",
        "some",
        "this",
        "that",
        "these",
        "those",
        "my",
        "our",
        "your",
        "another",
        "each",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "several",
        "many",
    ]
)
_SUBJECTS = frozenset(["he", "she", "it", "who", "that", "which"])
_ARTICLES = frozenset(("a", "an"))
# "dressed in a suit", "covered in snow": here the preposition is not a spatial relation.
_NON_SPATIAL_HEADS = frozenset(
    [
        "dressed",
        "covered",
        "filled",
        "topped",
        "lined",
        "decorated",
        "surrounded",
        "full",
        "made",
        "interested",
        "involved",
        "loaded",
        "stuffed",
    ]
)
_NOMINAL = frozenset(("object", "attribute", "compound", "number"))


class _Unit:
    """A word or lexicon phrase of the caption: token range, readings, and the reading chosen in context."""

    __slots__ = ("end", "entry", "readings", "start")

    def __init__(self, start: int, end: int, readings: list[Entry] | None) -> None:
        self.start = start
        self.end = end
        self.readings = readings
        self.entry: Entry | None = None

    @property
    def kind(self) -> str | None:
        return self.entry.kind if self.entry else None


class _Caption:
    """A caption cut into tokens and tagged units."""

    def __init__(self, text: str, lexicon: Lexicon) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.lowered = [token[0].lower() for token in self.tokens]
        self.present = frozenset(self.lowered)
        self.units: list[_Unit] = []
        index, count = 0, len(self.tokens)
        while index < count:
            length, readings = 1, None
            for size in range(min(lexicon.max_phrase_length, count - index), 0, -1):
                readings = lexicon.phrases.get(tuple(self.lowered[index : index + size]))
                if readings:
                    length = size
                    break
            self.units.append(_Unit(index, index + length, readings))
            index += length
        for position, unit in enumerate(self.units):
            if unit.readings:
                unit.entry = self._reading(position, unit)

    def _kinds(self, position: int) -> set[str]:
        if position >= len(self.units) or not self.units[position].readings:
            return set()
        return {entry.kind for entry in self.units[position].readings}

    def _reading(self, position: int, unit: _Unit) -> Entry | None:
        """The reading of ``unit`` that its neighbours support (a colour before a noun, a verb after one)."""
        by_kind: dict[str, Entry] = {}
        for entry in unit.readings:
            by_kind.setdefault(entry.kind, entry)
        next_kinds = self._kinds(position + 1)
        next_word = self.lowered[unit.end] if unit.end < len(self.tokens) else ""
        previous = self.units[position - 1] if position else None
        previous_word = self.lowered[unit.start - 1] if unit.start else ""
        if "compound" in by_kind:
            return by_kind["compound"]
        if "relation" in by_kind and (next_word in _DETERMINERS or next_kinds & _NOMINAL):
            return by_kind["relation"]
        if "number" in by_kind and next_kinds & _NOMINAL:
            return by_kind["number"]
        action = by_kind.get("action")
        if action is not None:
            after_subject = previous is not None and (
                previous.kind in ("object", "compound") or previous_word in _SUBJECTS
            )
            if (
                action.form == 2
                or (action.form == 1 and after_subject)
                or (action.form == 0 and previous_word == "to")
            ):
                return action
        if "attribute" in by_kind and next_kinds & {"object", "attribute", "compound"}:
            return by_kind["attribute"]
        return by_kind.get("object")

    def span(self, unit: _Unit) -> tuple[int, int]:
        return self.tokens[unit.start][1], self.tokens[unit.end - 1][2]

    def surface(self, unit: _Unit) -> str:
        start, end = self.span(unit)
        return self.text[start:end]

    def article_before(self, unit: _Unit) -> int | None:
        """Index of an "a" / "an" token right before ``unit``, if there is one."""
        index = unit.start - 1
        return index if index >= 0 and self.lowered[index] in _ARTICLES else None

    def units_of(self, kind: str) -> list[_Unit]:
        return [unit for unit in self.units if unit.kind == kind]


class RulesGenerator(NegativeGenerator):
    """Typed hard negatives from rules over a lexicon.

    Args:
        slots (`Sequence[str]`, *optional*, defaults to `("relation", "attribute", "object", "action")`):
            One name per slot, in slot order. A name is either an operation of ``RULE_OPERATIONS`` or one of
            the paper's four types, which map to ``swap_object``, ``replace_attribute``, ``replace_object``
            and ``replace_action`` (see ``PAPER_SLOT_OPERATIONS``).
        seed (`int`, *optional*, defaults to 0): the same seed gives the same negatives.
        lexicon (`str` or `Path`, *optional*): a lexicon JSON in the format of the shipped one.
        swap_across_categories (`bool`, *optional*, defaults to True): when no two nouns (or attributes) of the
            same category can be swapped, swap two of different categories. Same-category swaps ("a cat
            chasing a dog") stay plausible to a language model; cross-category ones ("a street riding a man")
            often do not, but they cover more captions.
    """

    name = "rules"
    version = "1"

    def __init__(
        self,
        slots: Sequence[str] = DEFAULT_SLOTS,
        seed: int = 0,
        lexicon: str | Path | None = None,
        swap_across_categories: bool = True,
    ) -> None:
        if isinstance(slots, str):
            slots = [slot.strip() for slot in slots.split(",")]
        unknown = [slot for slot in slots if slot not in RULE_OPERATIONS and slot not in PAPER_SLOT_OPERATIONS]
        if unknown or not slots:
            raise ValueError(
                f"unknown rules slots {unknown or '(none given)'}: choose from {list(PAPER_SLOT_OPERATIONS)} "
                f"or {list(RULE_OPERATIONS)}"
            )
        self.slots = tuple(slots)
        self.seed = int(seed)
        self.lexicon_path = str(lexicon) if lexicon is not None else None
        self.lexicon = Lexicon.from_file(lexicon) if lexicon is not None else default_lexicon()
        self.swap_across_categories = bool(swap_across_categories)
        self._operations = [getattr(self, "_" + PAPER_SLOT_OPERATIONS.get(slot, slot)) for slot in self.slots]

    @property
    def negative_types(self) -> tuple[str, ...]:
        return self.slots

    def config(self) -> dict[str, Any]:
        lexicon = "default"
        if self.lexicon_path is not None:
            lexicon = hashlib.sha256(Path(self.lexicon_path).read_bytes()).hexdigest()
        return {
            "slots": list(self.slots),
            "seed": self.seed,
            "lexicon": lexicon,
            "swap_across_categories": self.swap_across_categories,
        }

    def __getstate__(self) -> dict[str, Any]:
        # Bound methods and the lexicon are rebuilt on unpickling (datasets' worker processes).
        return {key: value for key, value in self.__dict__.items() if key not in ("_operations", "lexicon")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["slots"], state["seed"], state["lexicon_path"], state["swap_across_categories"])

    def generate(self, captions: list[str]) -> list[dict[str, list]]:
        return [self.generate_one(caption) for caption in captions]

    def generate_one(self, caption: str) -> dict[str, list]:
        parsed = _Caption(caption, self.lexicon)
        reference = normalize(caption)
        negatives = []
        for slot, operation in zip(self.slots, self._operations, strict=True):
            negative = operation(parsed, random.Random(f"{self.seed}|{slot}|{caption}"))
            negatives.append(negative if negative and normalize(negative) != reference else None)
        return make_row(self.slots, negatives)

    # Swaps keep the words and change who has what; they are skipped where an article would have to change.

    def _swap(self, parsed: _Caption, rng: random.Random, kind: str, same_form: bool) -> str | None:
        units = [unit for unit in parsed.units_of(kind) if unit.entry.lemma not in ("thing", "things")]
        pairs, same_category = [], []
        for left_index, left in enumerate(units):
            for right in units[left_index + 1 :]:
                if not self._swappable(parsed, left, right, kind, same_form):
                    continue
                pairs.append((left, right))
                if left.entry.category == right.entry.category:
                    same_category.append((left, right))
        pool = same_category or (pairs if self.swap_across_categories else [])
        if not pool:
            return None
        left, right = rng.choice(pool)
        left_text, right_text = parsed.surface(left), parsed.surface(right)
        left_span, right_span = parsed.span(left), parsed.span(right)
        return apply_edits(
            parsed.text,
            [(*left_span, match_case(right_text, left_text)), (*right_span, match_case(left_text, right_text))],
        )

    def _swappable(self, parsed: _Caption, left: _Unit, right: _Unit, kind: str, same_form: bool) -> bool:
        if left.entry.lemma == right.entry.lemma or parsed.surface(left).lower() == parsed.surface(right).lower():
            return False
        if same_form and left.entry.form != right.entry.form:
            return False
        if kind == "attribute" and not any(
            unit.kind in ("object", "compound")
            for unit in parsed.units[parsed.units.index(left) : parsed.units.index(right)]
        ):
            return False  # adjacent adjectives of one noun: reordering them changes no binding
        if right.start - left.end < 1:
            return False
        for unit, other in ((left, right), (right, left)):
            article = parsed.article_before(unit)
            if article is not None and parsed.lowered[article] != indefinite_article(parsed.lowered[other.start]):
                return False
        return True

    def _swap_object(self, parsed: _Caption, rng: random.Random) -> str | None:
        return self._swap(parsed, rng, "object", same_form=True)

    def _swap_attribute(self, parsed: _Caption, rng: random.Random) -> str | None:
        return self._swap(parsed, rng, "attribute", same_form=False)

    # Replacements change one word or phrase for another of its category and re-agree the article before it.

    def _replace(self, parsed: _Caption, rng: random.Random, units: list[_Unit]) -> str | None:
        choices = []
        for unit in units:
            if self.lexicon.is_generic(unit.entry.lemma):
                continue
            options = [
                option for option in self.lexicon.alternatives(unit.entry) if option.split()[0] not in parsed.present
            ]
            if options:
                choices.append((unit, options))
        if not choices:
            return None
        unit, options = rng.choice(choices)
        old = parsed.surface(unit)
        new = rng.choice(options)
        edits = [(*parsed.span(unit), match_case(new, old))]
        article = parsed.article_before(unit)
        if article is not None:
            word, start, end = parsed.tokens[article]
            edits.append((start, end, match_case(indefinite_article(new), word)))
        return apply_edits(parsed.text, edits)

    def _replace_attribute(self, parsed: _Caption, rng: random.Random) -> str | None:
        return self._replace(parsed, rng, parsed.units_of("attribute"))

    def _replace_object(self, parsed: _Caption, rng: random.Random) -> str | None:
        return self._replace(parsed, rng, parsed.units_of("object"))

    def _replace_action(self, parsed: _Caption, rng: random.Random) -> str | None:
        return self._replace(parsed, rng, parsed.units_of("action"))

    def _replace_number(self, parsed: _Caption, rng: random.Random) -> str | None:
        return self._replace(parsed, rng, parsed.units_of("number"))

    def _replace_relation(self, parsed: _Caption, rng: random.Random) -> str | None:
        units = []
        for position, unit in enumerate(parsed.units):
            if unit.kind != "relation" or (unit.start and parsed.lowered[unit.start - 1] in _NON_SPATIAL_HEADS):
                continue
            head = next((later for later in parsed.units[position + 1 :] if later.kind == "object"), None)
            if unit.entry.category == "containment" and head is not None and head.entry.category == "clothing":
                continue  # "a man in a suit" is about wearing, not location
            units.append(unit)
        return self._replace(parsed, rng, units)
