"""Keeping the world's held-out combinations out of generated training negatives.

The test split shows colour-shape pairs and relation triples that training never shows. A hard-negative
generator run on training captions does not know this: swapping "a red square left of a blue circle" into "a
red circle left of a blue square" writes a held-out pair into a *negative*, and the model learns that the test
split's true captions are false. On the demo's benchmark that made CE-CLIP score below plain CLIP. A held-out
combination must not occur in any training text, caption or negative, so such negatives are masked.
"""

from __future__ import annotations

import re
from typing import Any

from hf_compclip.data.shapes_captions import parse_caption
from hf_compclip.data.shapes_world import HeldOut, canonical_triple

# Wordings of the world's relations that a generator's lexicon may use but the world's grammar does not.
_SYNONYMS = {
    r"\bon the left of\b": "left of",
    r"\bon the right of\b": "right of",
    r"\bbeneath\b": "below",
    r"\bunderneath\b": "below",
    r"\bon top of\b": "above",
}


def held_out_mentions(text: str, held_out: HeldOut) -> list[str]:
    """The held-out combinations ``text`` states, in words.

    Texts of the grammar (after mapping relation synonyms) are read clause by clause; anything else is
    searched for a held-out colour directly before its shape, which still catches the pair when a generator
    has put a word the grammar does not know elsewhere in the text.
    """
    normalised = text.lower()
    for pattern, replacement in _SYNONYMS.items():
        normalised = re.sub(pattern, replacement, normalised)
    try:
        clauses = parse_caption(normalised)
    except ValueError:
        return [f"{c} {s}" for c, s in held_out.color_shapes if re.search(rf"\b{c} {s}\b", normalised)]
    found = []
    for clause in clauses:
        for phrase in (clause.subject, clause.object):
            if phrase is not None and (phrase.color, phrase.shape) in held_out.color_shapes:
                found.append(f"{phrase.color} {phrase.shape}")
        if clause.relation is not None and held_out.hides_triple(
            clause.subject.shape, clause.relation, clause.object.shape
        ):
            found.append(" ".join(canonical_triple(clause.subject.shape, clause.relation, clause.object.shape)))
    return found


def mask_held_out_negatives(batch: dict[str, list[Any]], held_out: HeldOut) -> dict[str, list[Any]]:
    """A batched ``Dataset.map`` function: invalidate every negative that states a held-out combination."""
    masks = [
        [valid and not held_out_mentions(text, held_out) for text, valid in zip(texts, mask, strict=True)]
        for texts, mask in zip(batch["negatives"], batch["negative_mask"], strict=True)
    ]
    negatives = [
        [text if valid else "" for text, valid in zip(texts, mask, strict=True)]
        for texts, mask in zip(batch["negatives"], masks, strict=True)
    ]
    return {"negatives": negatives, "negative_mask": masks}
