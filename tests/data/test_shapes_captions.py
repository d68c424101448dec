import itertools
import random

import pytest

from hf_compclip.data.shapes_captions import (
    Clause,
    NounPhrase,
    Wording,
    caption_is_true,
    caption_scene,
    describe_scene,
    parse_caption,
    render_caption,
)
from hf_compclip.data.shapes_world import INVERSE_RELATION, Scene, ShapeObject, WorldConfig, iter_scenes

SQUARE_LEFT_OF_CIRCLE = Scene(
    (ShapeObject("square", "red", "big", 0.2, 0.5), ShapeObject("circle", "blue", "small", 0.8, 0.55))
)


def _canonical(clause: Clause) -> Clause:
    """State a relation with "left of" or "above", the way a reader would recognise two wordings as one fact."""
    if clause.relation in ("right of", "below"):
        return Clause(clause.object, INVERSE_RELATION[clause.relation], clause.subject)
    return clause


@pytest.mark.parametrize(
    ("caption", "truth"),
    [
        ("a red square to the left of a blue circle", True),
        ("a blue circle is right of the red square", True),
        ("an image of a big red square left of a little circle", True),
        ("there is a large red square", True),
        ("a picture of a red square and a blue circle", True),
        ("a red square is above a blue circle", False),
        ("a blue circle to the left of a red square", False),
        ("a red circle and a blue square", False),
        ("a small red square", False),
        ("a red square left of a blue circle, and a green triangle", False),
        ("a red square left of a blue circle, and there is a circle", True),
    ],
)
def test_the_scene_graph_decides_a_caption(caption, truth):
    assert caption_is_true(parse_caption(caption), SQUARE_LEFT_OF_CIRCLE) is truth


def test_a_relation_needs_two_different_objects():
    one_square = Scene((ShapeObject("square", "red", "big", 0.2, 0.5),))
    assert not caption_is_true(parse_caption("a square left of a square"), one_square)


def test_parsing_reads_back_what_rendering_wrote_in_every_wording():
    config, rng = WorldConfig(seed=2), random.Random(0)
    for scene in itertools.islice(iter_scenes(config, "train"), 300):
        clauses = describe_scene(scene, rng)
        wording = Wording.sample(rng, len(clauses))
        text = render_caption(clauses, wording)
        assert [_canonical(c) for c in parse_caption(text)] == [_canonical(c) for c in clauses], text
        assert caption_is_true(parse_caption(text), scene), text


def test_captions_mention_every_object_and_vary_their_wording():
    config, rng = WorldConfig(seed=0), random.Random(1)
    scenes = list(itertools.islice(iter_scenes(config, "train"), 200))
    captions = [caption_scene(scene, rng) for scene in scenes]
    for scene, caption in zip(scenes, captions, strict=True):
        mentioned = [np for c in parse_caption(caption) for np in (c.subject, c.object) if np is not None]
        assert {np.shape for np in mentioned} == {o.shape for o in scene.objects}
    openings = {c.split(" ")[0] + " " + c.split(" ")[1] for c in captions}
    assert {"there is", "an image", "a picture"} <= openings
    assert any(" is " in c and not c.startswith("there") for c in captions)
    assert any("large" in c for c in captions) and any("big" in c for c in captions)


def test_one_fact_worded_from_either_side():
    clause = Clause(NounPhrase("square", "red"), "left of", NounPhrase("circle", "orange"))
    assert render_caption([clause], Wording(flips=(False,))) == "a red square to the left of an orange circle"
    assert render_caption([clause], Wording(flips=(True,), copula=True, synonyms=1)) == (
        "an orange circle is right of a red square"
    )


def test_a_repeated_noun_phrase_comes_back_definite():
    square, circle, cross = NounPhrase("square", "red"), NounPhrase("circle", "blue"), NounPhrase("cross")
    clauses = [Clause(square, "left of", circle), Clause(cross, "below", circle)]
    assert render_caption(clauses, Wording(lead_in="a picture of ")) == (
        "a picture of a red square to the left of a blue circle, and a cross below the blue circle"
    )


def test_text_outside_the_grammar_is_refused_with_the_text():
    with pytest.raises(ValueError, match="a dog left of a red square"):
        parse_caption("a dog left of a red square")
    with pytest.raises(ValueError, match="relation and an object"):
        Clause(NounPhrase("circle"), "left of")
    with pytest.raises(ValueError, match="pink"):
        NounPhrase("circle", "pink")
    with pytest.raises(ValueError, match="not both"):
        Wording(lead_in="there is ", copula=True)
