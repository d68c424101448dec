"""Captions of the shapes world: a logical form, a small grammar that words it several ways, and its parser.

A caption means a conjunction of clauses; a clause says that some object matching a noun phrase exists,
or that one stands in a relation to another. The scene graph decides each clause, so the truth of any
caption, and the falsity of any benchmark negative, is checked rather than assumed.

One meaning has many wordings (:class:`Wording`): the order of a relation's arguments ("a red square left
of a blue circle" / "a blue circle to the right of a red square"), synonyms ("big" / "large"), a copula,
a lead-in ("there is", "a picture of"). A negative is worded with its caption's :class:`Wording`, so the
two differ only where their meanings do.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from hf_compclip.data.shapes_world import COLORS, INVERSE_RELATION, RELATIONS, SHAPES, SIZES, Scene, ShapeObject

SIZE_WORDS: dict[str, tuple[str, str]] = {"big": ("big", "large"), "small": ("small", "little")}
RELATION_PHRASES: dict[str, tuple[str, str]] = {
    "left of": ("to the left of", "left of"),
    "right of": ("to the right of", "right of"),
    "above": ("above", "over"),
    "below": ("below", "under"),
}
LEAD_INS: tuple[str, ...] = ("", "there is ", "an image of ", "a picture of ")


@dataclass(frozen=True)
class NounPhrase:
    """A description of one object; a missing colour or size matches any."""

    shape: str
    color: str | None = None
    size: str | None = None

    def __post_init__(self) -> None:
        if self.shape not in SHAPES:
            raise ValueError(f"unknown shape {self.shape!r}; the world knows {SHAPES}")
        if self.color is not None and self.color not in COLORS:
            raise ValueError(f"unknown colour {self.color!r}; the world knows {tuple(COLORS)}")
        if self.size is not None and self.size not in SIZES:
            raise ValueError(f"unknown size {self.size!r}; the world knows {tuple(SIZES)}")

    @classmethod
    def of(cls, obj: ShapeObject, *, color: bool = True, size: bool = True) -> NounPhrase:
        return cls(obj.shape, obj.color if color else None, obj.size if size else None)

    def matches(self, obj: ShapeObject) -> bool:
        return obj.shape == self.shape and self.color in (None, obj.color) and self.size in (None, obj.size)


@dataclass(frozen=True)
class Clause:
    """``subject`` exists, or (with ``relation`` and ``object``) stands in that relation to ``object``."""

    subject: NounPhrase
    relation: str | None = None
    object: NounPhrase | None = None

    def __post_init__(self) -> None:
        if (self.relation is None) != (self.object is None):
            raise ValueError("a clause needs both a relation and an object, or neither")
        if self.relation is not None and self.relation not in RELATIONS:
            raise ValueError(f"unknown relation {self.relation!r}; the world knows {RELATIONS}")

    def is_true(self, scene: Scene) -> bool:
        objects = scene.objects
        if self.relation is None:
            return any(self.subject.matches(o) for o in objects)
        return any(
            self.subject.matches(objects[i]) and self.object.matches(objects[j]) and relation == self.relation
            for i, relation, j in scene.relations()
        )


def caption_is_true(clauses: Sequence[Clause], scene: Scene) -> bool:
    """Whether the scene graph makes every clause true (clauses are existential and independent)."""
    return all(clause.is_true(scene) for clause in clauses)


@dataclass(frozen=True)
class Wording:
    """The surface choices that turn a meaning into words, shared by a caption and its negatives.

    ``flips[k]`` states clause ``k``'s relation from its object's side ("B right of A" for "A left of B");
    ``lead_in`` and ``copula`` exclude each other because "there is a square is above a circle" is not English.
    """

    lead_in: str = ""
    copula: bool = False
    flips: tuple[bool, ...] = ()
    synonyms: int = 0

    def __post_init__(self) -> None:
        if self.lead_in not in LEAD_INS:
            raise ValueError(f"unknown lead-in {self.lead_in!r}; choose from {LEAD_INS}")
        if self.lead_in and self.copula:
            raise ValueError("a wording takes a lead-in or a copula, not both")

    @classmethod
    def sample(cls, rng: random.Random, n_clauses: int) -> Wording:
        copula = rng.random() < 0.35
        return cls(
            lead_in="" if copula else rng.choice(LEAD_INS),
            copula=copula,
            flips=tuple(rng.random() < 0.5 for _ in range(n_clauses)),
            synonyms=rng.randrange(2),
        )


def _noun_phrase_text(np: NounPhrase, definite: bool, synonyms: int) -> str:
    words = [SIZE_WORDS[np.size][synonyms]] if np.size else []
    words += [np.color, np.shape] if np.color else [np.shape]
    article = "the" if definite else ("an" if words[0][0] in "aeiou" else "a")
    return f"{article} {' '.join(words)}"


def render_caption(clauses: Sequence[Clause], wording: Wording) -> str:
    """Word ``clauses``; a noun phrase said before comes back with "the" ("..., and a cross below the red circle")."""
    if not clauses:
        raise ValueError("a caption needs at least one clause")
    mentioned: set[NounPhrase] = set()

    def phrase(np: NounPhrase) -> str:
        text = _noun_phrase_text(np, np in mentioned, wording.synonyms)
        mentioned.add(np)
        return text

    parts = []
    for k, clause in enumerate(clauses):
        if clause.relation is None:
            text = phrase(clause.subject)
            parts.append(f"there is {text}" if wording.copula else text)
            continue
        subject, relation, obj = clause.subject, clause.relation, clause.object
        if k < len(wording.flips) and wording.flips[k]:
            subject, relation, obj = obj, INVERSE_RELATION[relation], subject
        copula = " is" if wording.copula else ""
        # The subject is worded before the object, so a repeated noun phrase gets "the" in reading order.
        subject_text = phrase(subject)
        parts.append(f"{subject_text}{copula} {RELATION_PHRASES[relation][wording.synonyms]} {phrase(obj)}")
    if len(parts) == 1:
        body = parts[0]
    else:
        joiner = " and " if all(c.relation is None for c in clauses) else ", and "
        body = ", ".join(parts[:-1]) + joiner + parts[-1]
    return wording.lead_in + body


def _alternatives(words: Sequence[str]) -> str:
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


_SIZE_OF_WORD = {word: size for size, words in SIZE_WORDS.items() for word in words}
_RELATION_OF_PHRASE = {p: relation for relation, phrases in RELATION_PHRASES.items() for p in phrases}


def _np_pattern(tag: str) -> str:
    return (
        rf"(?:a|an|the) (?:(?P<size_{tag}>{_alternatives(_SIZE_OF_WORD)}) )?"
        rf"(?:(?P<color_{tag}>{_alternatives(COLORS)}) )?(?P<shape_{tag}>{_alternatives(SHAPES)})"
    )


_CLAUSE = re.compile(
    rf"(?:there is )?{_np_pattern('s')}(?:(?: is)? (?P<relation>{_alternatives(_RELATION_OF_PHRASE)}) {_np_pattern('o')})?"
)
# "there is" may also open a later clause, so the clause pattern takes it; only the other lead-ins go here.
_LEAD_IN = re.compile(rf"^(?:{_alternatives([p for p in LEAD_INS if p and p != 'there is '])})")
_SEPARATOR = re.compile(r", and |, | and ")


def parse_caption(text: str) -> tuple[Clause, ...]:
    """Read a caption of the grammar back into clauses; anything outside the grammar is a ValueError."""
    body = _LEAD_IN.sub("", text.strip().rstrip(".").lower(), count=1)
    clauses = []
    for part in _SEPARATOR.split(body):
        match = _CLAUSE.fullmatch(part)
        if match is None:
            raise ValueError(f"caption {text!r}: {part!r} is not a clause of the shapes grammar")

        def noun_phrase(tag: str, match: re.Match = match) -> NounPhrase:
            size = match.group(f"size_{tag}")
            return NounPhrase(match.group(f"shape_{tag}"), match.group(f"color_{tag}"), _SIZE_OF_WORD.get(size))

        if match.group("relation") is None:
            clauses.append(Clause(noun_phrase("s")))
        else:
            clauses.append(Clause(noun_phrase("s"), _RELATION_OF_PHRASE[match.group("relation")], noun_phrase("o")))
    return tuple(clauses)


def describe_scene(
    scene: Scene, rng: random.Random, *, color_probability: float = 0.9, size_probability: float = 0.5
) -> tuple[Clause, ...]:
    """Clauses that mention every object once and relate each to another, so a caption pins the scene down."""
    phrases = [
        NounPhrase.of(o, color=rng.random() < color_probability, size=rng.random() < size_probability)
        for o in scene.objects
    ]
    for k, np in enumerate(phrases):
        if phrases.count(np) > 1:  # two objects worded alike would read as one ("a circle left of the circle")
            phrases[k] = NounPhrase.of(scene.objects[k], size=np.size is not None)
    order = list(range(len(scene.objects)))
    rng.shuffle(order)
    if len(order) == 1:
        return (Clause(phrases[order[0]]),)
    a, b, *rest = order
    clauses = [Clause(phrases[a], scene.relation(a, b), phrases[b])]
    for c in rest:
        anchor = rng.choice((a, b))
        clauses.append(Clause(phrases[c], scene.relation(c, anchor), phrases[anchor]))
    return tuple(clauses)


def caption_scene(scene: Scene, rng: random.Random, **probabilities: float) -> str:
    """A random true caption of the whole scene in a random wording."""
    clauses = describe_scene(scene, rng, **probabilities)
    return render_caption(clauses, Wording.sample(rng, len(clauses)))
