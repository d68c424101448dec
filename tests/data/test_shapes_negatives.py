"""Generated training negatives never state a held-out combination of the world."""

from hf_compclip.data import HeldOut
from hf_compclip.data.shapes_negatives import held_out_mentions, mask_held_out_negatives

HELD_OUT = HeldOut()  # red circle, green square, blue triangle, yellow cross; circle left of triangle, ...


def test_pairs_and_triples_are_found_in_grammar_and_synonym_wordings():
    assert held_out_mentions("a big red circle to the left of a blue square", HELD_OUT) == ["red circle"]
    assert held_out_mentions("there is a circle left of a purple triangle", HELD_OUT) == ["circle left of triangle"]
    # "a triangle right of a circle" is the same fact as "a circle left of a triangle"
    assert held_out_mentions("a triangle is right of a circle", HELD_OUT) == ["circle left of triangle"]
    assert held_out_mentions("a circle on the left of a triangle", HELD_OUT) == ["circle left of triangle"]
    assert held_out_mentions("a triangle left of a circle", HELD_OUT) == []  # seen in training
    assert held_out_mentions("a green circle below a red square", HELD_OUT) == []


def test_texts_outside_the_grammar_are_searched_for_pairs():
    assert held_out_mentions("there is a tall yellow cross behind a circle", HELD_OUT) == ["yellow cross"]
    assert held_out_mentions("there is a tall circle", HELD_OUT) == []


def test_masking_invalidates_only_offending_negatives():
    batch = {
        "negatives": [["a red circle left of a blue square", "a red square left of a blue circle", ""]],
        "negative_mask": [[True, True, False]],
    }
    out = mask_held_out_negatives(batch, HELD_OUT)
    assert out["negative_mask"] == [[False, True, False]]
    assert out["negatives"] == [["", "a red square left of a blue circle", ""]]
