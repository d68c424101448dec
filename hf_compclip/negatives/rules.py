"""A hard-negative generator made of rules and a shipped lexicon: no model, no download.

Each slot is one operation on the caption: a swap of two nouns or of two attributes (the words stay, their
binding changes) or the replacement of one attribute, object, relation, action or number by another of the
same lexicon category. Edits are made on character spans, articles are re-agreed ("a" / "an"), grammatical
number is kept and capitalisation follows the word replaced, so the negative reads like the caption did.
Among the category-consistent candidates, a small bigram model (:mod:`.context`) keeps the few that read
most plausibly next to their neighbours, and the seed picks one of them. Randomness comes from a generator
drawn from a checksum of (seed, slot, caption): the output of a caption does not depend on the batch it is in,
nor on the number of processes.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from .context import END, START, ContextModel, default_context_model
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
# After these a verb has a direct object ("holding a cup", "riding it"); after anything else it has none.
_OBJECT_STARTS = _DETERMINERS | frozenset(["him", "them", "it", "me", "us", "a few"])
# "holding up a sign": a particle hides the verb's frame, so the verb is left alone.
_PARTICLES = frozenset(["up", "down", "out", "off", "away", "back"])
# "a two year old boy": here a size or age word is part of a measure, not an attribute of the noun.
_MEASURES = frozenset(["year", "years", "month", "months", "week", "weeks", "day", "days", "foot", "feet"])
# Words that cannot be the noun an attribute stands before ("a red and white bus" is handled by "and").
_FUNCTION_WORDS = _DETERMINERS | frozenset(
    [
        "and",
        "or",
        "but",
        "with",
        "of",
        "on",
        "in",
        "at",
        "to",
        "for",
        "from",
        "by",
        "into",
        "onto",
        "over",
        "under",
        "near",
        "while",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "being",
        "has",
        "have",
        "who",
        "which",
        "there",
        "it",
        "he",
        "she",
        "they",
    ]
)
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
# Ranked alternatives kept per context beyond top_k, for those a caption rules out by already containing them.
_SPARE = 8


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
                phrase = tuple(self.lowered[index : index + size])
                if phrase in lexicon.frames and index + size < count and self.lowered[index + size] == "of":
                    length, readings = size, None  # "a picture of ...": what the caption shows, never edited
                    break
                readings = lexicon.phrases.get(phrase)
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
        by_kind: dict[str, list[Entry]] = {}
        for entry in unit.readings:
            by_kind.setdefault(entry.kind, []).append(entry)
        next_kinds = self._kinds(position + 1)
        next_word = self.lowered[unit.end] if unit.end < len(self.tokens) else ""
        previous = self.units[position - 1] if position else None
        previous_word = self.lowered[unit.start - 1] if unit.start else ""
        if "compound" in by_kind:
            return by_kind["compound"][0]
        if "relation" in by_kind and (next_word in _DETERMINERS or next_kinds & _NOMINAL):
            return by_kind["relation"][0]
        if "number" in by_kind and next_kinds & _NOMINAL:
            return by_kind["number"][0]
        actions = by_kind.get("action")
        if actions and next_word not in _PARTICLES:
            form = actions[0].form
            after_subject = previous is not None and (
                previous.kind in ("object", "compound") or previous_word in _SUBJECTS
            )
            if form == 2 or (form == 1 and after_subject) or (form == 0 and previous_word == "to"):
                # The argument frame decides the alternatives: "riding a horse" / "riding on a horse".
                takes_object = next_word in _OBJECT_STARTS or bool(next_kinds & _NOMINAL)
                frame = "transitive" if takes_object else "intransitive"
                match = next((entry for entry in actions if entry.category == frame), None)
                if match is not None:
                    return match
        attributes = by_kind.get("attribute")
        if attributes and previous_word not in _MEASURES:
            before_noun = next_kinds & {"object", "attribute", "compound"} or (
                next_word.isalpha() and next_word not in _FUNCTION_WORDS and not next_kinds
            )
            # "an orange on a plate" is the fruit; "an orange cross" and "a red and white bus" are colours.
            if before_noun or "object" not in by_kind:
                return attributes[0]
        return by_kind["object"][0] if "object" in by_kind else None

    def neighbours(self, start: int, end: int) -> tuple[str, str]:
        """The words just before token ``start`` and from token ``end`` on (punctuation skipped), as the context
        model reads them."""
        left = next((word for word in reversed(self.lowered[:start]) if word[0].isalnum()), START)
        right = next((word for word in self.lowered[end:] if word[0].isalnum()), END)
        return left, right

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
        swap_across_categories (`bool`, *optional*, defaults to False): when no two nouns (or attributes) of the
            same category can be swapped, swap two of different categories. Same-category swaps ("a cat
            chasing a dog") stay plausible; cross-category ones ("a street riding a man") cover more captions
            but a language model spots them.
        context (`str`, `Path` or `ContextModel`, *optional*, defaults to `"default"`): the bigram model that
            ranks candidate edits by plausibility in context: ``"default"`` (fitted on the caption corpus
            shipped with the package), a caption file to fit one on (any format of ``read_captions``; the
            training captions themselves are a good choice), a fitted :class:`ContextModel`, or None to draw
            among all candidates uniformly.
        top_k (`int`, *optional*, defaults to 3): with a context model, the seed picks among the ``top_k`` most
            plausible candidate edits of a slot; 1 always takes the most plausible one.
        known_words_only (`bool`, *optional*, defaults to False): with a context model, replace only by words
            its corpus contains. A word the training captions never use gives a negative away without a look
            at the image (in the shapes world, "behind" for "left of"); set it when the context model is
            fitted on the training captions themselves.
    """

    name = "rules"
    version = "2"

    def __init__(
        self,
        slots: Sequence[str] = DEFAULT_SLOTS,
        seed: int = 0,
        lexicon: str | Path | None = None,
        swap_across_categories: bool = False,
        context: str | Path | ContextModel | None = "default",
        top_k: int = 3,
        known_words_only: bool = False,
    ) -> None:
        if isinstance(slots, str):
            slots = [slot.strip() for slot in slots.split(",")]
        unknown = [slot for slot in slots if slot not in RULE_OPERATIONS and slot not in PAPER_SLOT_OPERATIONS]
        if unknown or not slots:
            raise ValueError(
                f"unknown rules slots {unknown or '(none given)'}: choose from {list(PAPER_SLOT_OPERATIONS)} "
                f"or {list(RULE_OPERATIONS)}"
            )
        if int(top_k) < 1:
            raise ValueError(f"top_k must be at least 1, got {top_k}")
        self.slots = tuple(slots)
        self.seed = int(seed)
        self.lexicon_path = str(lexicon) if lexicon is not None else None
        self.lexicon = Lexicon.from_file(lexicon) if lexicon is not None else default_lexicon()
        self.swap_across_categories = bool(swap_across_categories)
        self.top_k = int(top_k)
        self.known_words_only = bool(known_words_only)
        self.context_source = context
        if isinstance(context, ContextModel) or context is None:
            self.context = context
        elif str(context) == "default":
            self.context = default_context_model()
        else:
            self.context = ContextModel.from_file(context)
        if self.known_words_only and self.context is None:
            raise ValueError("known_words_only needs a context model: its corpus defines the known words")
        self._operations = [getattr(self, "_" + PAPER_SLOT_OPERATIONS.get(slot, slot)) for slot in self.slots]
        self._draw_prefixes = [zlib.crc32(f"{self.seed}|{slot}|".encode()) for slot in self.slots]
        self._ranked = lru_cache(maxsize=1 << 17)(self._rank_alternatives)
        self._entry_phrases = lru_cache(maxsize=None)(self._phrases)

    @property
    def negative_types(self) -> tuple[str, ...]:
        return self.slots

    def config(self) -> dict[str, Any]:
        lexicon = "default"
        if self.lexicon_path is not None:
            lexicon = hashlib.sha256(Path(self.lexicon_path).read_bytes()).hexdigest()
        config = {
            "slots": list(self.slots),
            "seed": self.seed,
            "lexicon": lexicon,
            "swap_across_categories": self.swap_across_categories,
            # The counts, not the file name: refitting on other captions must change the cache key.
            "context": self.context.fingerprint if self.context is not None else None,
            "top_k": self.top_k,
        }
        if self.known_words_only:  # only when set, so the caches made before the option existed stay valid
            config["known_words_only"] = True
        return config

    def __getstate__(self) -> dict[str, Any]:
        # Bound methods, caches, the lexicon and the context model are rebuilt on unpickling (datasets' worker
        # processes) from the arguments; a ContextModel given as the argument travels inside context_source.
        rebuilt = ("_operations", "_ranked", "_entry_phrases", "_draw_prefixes", "lexicon", "context")
        return {key: value for key, value in self.__dict__.items() if key not in rebuilt}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(
            state["slots"],
            state["seed"],
            state["lexicon_path"],
            state["swap_across_categories"],
            state["context_source"],
            state["top_k"],
            state.get("known_words_only", False),
        )

    def generate(self, captions: list[str]) -> list[dict[str, list]]:
        return [self.generate_one(caption) for caption in captions]

    def generate_one(self, caption: str) -> dict[str, list]:
        parsed = _Caption(caption, self.lexicon)
        reference = normalize(caption)
        negatives = []
        text = caption.encode("utf-8")
        for prefix, operation in zip(self._draw_prefixes, self._operations, strict=True):
            # Each operation makes one random choice; a CRC of (seed, slot, caption) is a cheap, stable draw.
            negative = operation(parsed, zlib.crc32(text, prefix))
            negatives.append(negative if negative and normalize(negative) != reference else None)
        return make_row(self.slots, negatives)

    def _pick(self, draw: int, candidates: list[tuple[float, Any]]) -> Any:
        """One of the ``top_k`` most plausible candidates (a stable sort keeps ties in caption order)."""
        if self.context is not None:
            candidates = sorted(candidates, key=lambda candidate: -candidate[0])[: self.top_k]
        return candidates[draw % len(candidates)][1]

    # Swaps keep the words and change who has what; they are skipped where an article would have to change.

    def _swap(self, parsed: _Caption, draw: int, kind: str, same_form: bool) -> str | None:
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
        left, right = self._pick(draw, [(self._swap_score(parsed, *pair), pair) for pair in pool])
        left_text, right_text = parsed.surface(left), parsed.surface(right)
        left_span, right_span = parsed.span(left), parsed.span(right)
        return apply_edits(
            parsed.text,
            [(*left_span, match_case(right_text, left_text)), (*right_span, match_case(left_text, right_text))],
        )

    def _swap_score(self, parsed: _Caption, left: _Unit, right: _Unit) -> float:
        """Log-probability of the two swapped spans in their new neighbourhoods (units are never adjacent)."""
        if self.context is None:
            return 0.0
        score = 0.0
        for unit, other in ((left, right), (right, left)):
            before, after = parsed.neighbours(unit.start, unit.end)
            score += self.context.score((before, *parsed.lowered[other.start : other.end], after))
        return score

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

    def _swap_object(self, parsed: _Caption, draw: int) -> str | None:
        return self._swap(parsed, draw, "object", same_form=True)

    def _swap_attribute(self, parsed: _Caption, draw: int) -> str | None:
        return self._swap(parsed, draw, "attribute", same_form=False)

    # Replacements change one word or phrase for another of its category and re-agree the article before it.

    def _phrases(self, entry: Entry) -> tuple[tuple[str, str, str, str, float], ...]:
        """Per alternative of ``entry``: the option, its article, first and last words, and the log-probability
        of its own inner bigrams, which no context changes."""
        phrases = []
        for option in self.lexicon.alternatives(entry):
            words = option.split()
            if self.known_words_only and not all(word in self.context.unigrams for word in words):
                continue
            inner = self.context.score(tuple(words)) if self.context is not None else 0.0
            phrases.append((option, indefinite_article(words[0]), words[0], words[-1], inner))
        return tuple(phrases)

    def _rank_alternatives(
        self, entry: Entry, before: str, article: bool, after: str
    ) -> tuple[tuple[float, str], ...]:
        """The alternatives of ``entry`` with their log-probability between its neighbours (and re-agreed article),
        most plausible first; only the first ``top_k + _SPARE`` are kept (captions drop the words they contain).

        Depends only on the entry and the neighbouring words, so it is computed once per context and cached.
        """
        phrases = self._entry_phrases(entry)
        if self.context is None:
            return tuple((0.0, option) for option, *_ in phrases)
        probability = self.context.log_probability
        scored = []
        for option, lead, first, last, inner in phrases:
            score = inner + probability(last, after)
            if article:
                score += probability(before, lead) + probability(lead, first)
            else:
                score += probability(before, first)
            scored.append((score, option))
        scored.sort(key=lambda candidate: -candidate[0])
        return tuple(scored[: self.top_k + _SPARE])

    def _replace(self, parsed: _Caption, draw: int, units: list[_Unit]) -> str | None:
        # Alternatives come ranked per unit, so the top_k over all units are among each unit's first top_k.
        per_unit = self.top_k if self.context is not None else None
        candidates = []
        for unit in units:
            if self.lexicon.is_generic(unit.entry.lemma):
                continue
            article = parsed.article_before(unit)
            start = unit.start if article is None else article
            before, after = parsed.neighbours(start, unit.end)
            original = 0.0
            if self.context is not None:
                lead = (before, parsed.lowered[article]) if article is not None else (before,)
                original = self.context.score((*lead, *parsed.lowered[unit.start : unit.end], after))
            taken = 0
            for score, option in self._ranked(unit.entry, before, article is not None, after):
                if option.split(" ", 1)[0] in parsed.present:
                    continue
                candidates.append((score - original, (unit, option)))
                taken += 1
                if taken == per_unit:
                    break
        if not candidates:
            return None
        unit, new = self._pick(draw, candidates)
        old = parsed.surface(unit)
        edits = [(*parsed.span(unit), match_case(new, old))]
        article = parsed.article_before(unit)
        if article is not None:
            word, start, end = parsed.tokens[article]
            edits.append((start, end, match_case(indefinite_article(new), word)))
        return apply_edits(parsed.text, edits)

    def _replace_attribute(self, parsed: _Caption, draw: int) -> str | None:
        return self._replace(parsed, draw, parsed.units_of("attribute"))

    def _replace_object(self, parsed: _Caption, draw: int) -> str | None:
        return self._replace(parsed, draw, parsed.units_of("object"))

    def _replace_action(self, parsed: _Caption, draw: int) -> str | None:
        return self._replace(parsed, draw, parsed.units_of("action"))

    def _replace_number(self, parsed: _Caption, draw: int) -> str | None:
        return self._replace(parsed, draw, parsed.units_of("number"))

    def _replace_relation(self, parsed: _Caption, draw: int) -> str | None:
        units = []
        for position, unit in enumerate(parsed.units):
            if unit.kind != "relation" or (unit.start and parsed.lowered[unit.start - 1] in _NON_SPATIAL_HEADS):
                continue
            head = next((later for later in parsed.units[position + 1 :] if later.kind == "object"), None)
            if unit.entry.category == "containment" and head is not None and head.entry.category == "clothing":
                continue  # "a man in a suit" is about wearing, not location
            units.append(unit)
        return self._replace(parsed, draw, units)
