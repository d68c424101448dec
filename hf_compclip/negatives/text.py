"""Word-level text helpers shared by the generators and the quality report.

Generators edit captions by character span so that everything they do not touch (spacing, punctuation,
capitalisation) stays exactly as the annotator wrote it: a negative must differ from its caption only in
meaning, never in typography, or a text-only classifier learns the typography.
"""

from __future__ import annotations

import re

TOKEN_PATTERN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?|\d+(?:[.,]\d+)?|[^\sA-Za-z\d]")
_WORD_PATTERN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Words spelled with a vowel letter but said with a consonant sound, and the reverse.
_A_BEFORE_VOWEL = ("one", "once", "uni", "use", "usu", "uto", "eu", "ewe", "ubiq", "ukulele", "uri")
_AN_BEFORE_CONSONANT = ("hour", "honest", "honor", "heir")


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Tokens with their character spans: words (with an inner apostrophe), numbers, single punctuation marks."""
    return [(match.group(), match.start(), match.end()) for match in TOKEN_PATTERN.finditer(text)]


def words(text: str) -> list[str]:
    """Lower-cased words without punctuation: the unit both judges and the no-op check compare."""
    return _WORD_PATTERN.findall(text.lower())


def normalize(text: str) -> str:
    """Case, punctuation and spacing folded away, so that "A dog ." equals "a dog"."""
    return " ".join(words(text))


def indefinite_article(word: str) -> str:
    """``"an"`` before a vowel sound, ``"a"`` otherwise, from spelling with the common exceptions."""
    lowered = word.lower()
    if lowered.startswith(_AN_BEFORE_CONSONANT):
        return "an"
    if lowered.startswith(_A_BEFORE_VOWEL):
        return "a"
    return "an" if lowered[:1] in {"a", "e", "i", "o", "u"} else "a"


def match_case(new: str, old: str) -> str:
    """``new`` written in the case pattern of ``old`` (``"Dog"`` -> ``"Cat"``, ``"dog"`` -> ``"cat"``)."""
    if len(old) > 1 and old.isupper():
        return new.upper()
    if old[:1].isupper():
        return new[:1].upper() + new[1:]
    return new[:1].lower() + new[1:]


def apply_edits(text: str, edits: list[tuple[int, int, str]]) -> str:
    """``text`` with each ``(start, end, replacement)`` character span replaced; spans must not overlap."""
    pieces = []
    position = 0
    for start, end, replacement in sorted(edits):
        if start < position:
            raise ValueError(f"overlapping edits at character {start} of {text!r}")
        pieces.append(text[position:start])
        pieces.append(replacement)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)
