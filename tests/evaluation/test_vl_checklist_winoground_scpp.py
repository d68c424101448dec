import pytest

from hf_compclip.evaluation import EmbeddingScorer, load_sugarcrepe_pp, load_vl_checklist, load_winoground
from hf_compclip.evaluation.vl_checklist import column_of, corpus_folder

from .conftest import FIXTURES, save_image

RIGHT, WRONG = [1.0, 0.0], [0.0, 1.0]


def run(benchmark, fake_clip, texts, images, dim=2):
    model, processor = fake_clip(texts, images, dim=dim)
    return benchmark.run(EmbeddingScorer(model, processor, show_progress=False))


def test_vl_checklist_columns_groups_and_skipped_images(fake_clip, tmp_path):
    save_image(tmp_path / "vg" / "VG_100K" / "30.jpg", 30)
    save_image(tmp_path / "vg" / "VG_100K" / "31.jpg", 31)
    save_image(tmp_path / "vg" / "VG_100K" / "32.jpg", 32)
    save_image(tmp_path / "hake" / "hake_images_20190730" / "33.jpg", 33)
    save_image(tmp_path / "swig" / "34.jpg", 34)
    save_image(tmp_path / "35.jpg", 35)  # flat layout works too
    texts = {
        "a red car parked": RIGHT, "a blue car parked": WRONG,
        "a green apple": WRONG, "a purple apple": RIGHT,  # attribute_color item 2 wrong
        "a lamp on the desk": RIGHT, "a lamp under the desk": WRONG,
        "a person with a kite": RIGHT, "a person with a chair": WRONG,
        "a chef cutting bread": RIGHT, "a chef eating bread": RIGHT,  # tie -> wrong
        "a girl kicking a ball": RIGHT, "a girl throwing a ball": WRONG,
    }  # fmt: skip
    benchmark = load_vl_checklist(FIXTURES / "vl_checklist" / "data", tmp_path)
    result = run(benchmark, fake_clip, texts, {n: RIGHT for n in range(30, 36)})
    assert result.scores == pytest.approx(
        {
            "object_location": 1.0,
            "attribute_color": 0.5,
            "relation_action": 0.5,
            "relation_spatial": 1.0,
            "object": 1.0,
            "attribute": 0.5,
            "relation": 0.75,
            "avg": (1.0 + 0.5 + 0.75) / 3,
            "micro": 4 / 6,
        }
    )
    assert result.details["missing_images"] == 1
    assert result.details["missing_images_per_column"] == {"object_location": 1}
    assert result.details["files_ignored"] == ["Attribute/vaw/shape.json"]


def test_vl_checklist_paths_map_to_columns_and_image_folders():
    from pathlib import Path

    assert column_of(Path("Object/Size/swig_size/swig_agent_small.json")) == "object_size"
    assert column_of(Path("Attribute/vg/material.json")) == "attribute_material"
    assert column_of(Path("Relation/hake/action.json")) == "relation_action"
    assert column_of(Path("Attribute/vaw/shape.json")) is None
    assert corpus_folder(Path("Attribute/vaw/color.json")) == "vg"
    assert corpus_folder(Path("Object/Location/swig_location/swig_tool_mid.json")) == "swig"


def test_winoground_text_image_group_by_hand(fake_clip, tmp_path):
    for example in range(3):
        for image in range(2):
            save_image(tmp_path / f"ex_{example}_img_{image}.png", 10 * example + image + 1)
    images = {1: RIGHT, 2: WRONG, 11: RIGHT, 12: WRONG, 21: RIGHT, 22: WRONG}
    texts = {
        # example 0: captions aligned with their own images: text, image and group right
        "a mug in some grass": RIGHT, "some grass in a mug": WRONG,
        # example 1: c0i0 = 1, c0i1 = 0, c1i0 = 0.8, c1i1 = 0.6. Text: 1 > 0.8 and 0.6 > 0, right.
        # Image: 1 > 0 but c1 prefers image 0 (0.8 > 0.6), wrong; so group wrong
        "the dog chases the cat": RIGHT, "the cat chases the dog": [0.8, 0.6],
        # example 2: both captions embed the same: c0i0 = c1i0 = 0.6 is a tie, text wrong; c0 prefers
        # image 1 (0.8 > 0.6), image wrong
        "a tall person and a short tree": [0.6, 0.8], "a short person and a tall tree": [0.6, 0.8],
    }  # fmt: skip
    result = run(load_winoground(FIXTURES / "winoground", tmp_path), fake_clip, texts, images)
    assert result.scores == pytest.approx({"text": 2 / 3, "image": 1 / 3, "group": 1 / 3})
    assert result.primary == "group"


def test_sugarcrepe_pp_itt_and_tot_by_hand(fake_clip, tmp_path):
    for number in (1, 2, 3):
        save_image(tmp_path / f"00000000000{number}.jpg", number)
    texts = {
        # replace_att 0: both positives beat the negative for the image and in text space
        "a brown dog on a sofa": RIGHT, "on a sofa lies a brown dog": RIGHT, "a white dog on a sofa": WRONG,
        # replace_att 1: second positive loses to the negative against the image (0.6 < 0.8) -> ITT wrong;
        # text only: p1.p2 = 0.6, p1.n = 0.8 -> TOT wrong
        "two men on black horses": RIGHT, "black horses carry two men": [0.6, 0.8],
        "two men on white horses": [0.8, 0.6],
        # swap_obj 0: ITT right (1 and 0.8 beat 0.6); TOT: p1.p2 = 0.8, p1.n = 0.6, p2.n = 0.96 -> wrong
        "a tree in front of a house": RIGHT, "a house stands behind a tree": [0.8, 0.6],
        "a house in front of a tree": [0.6, 0.8],
    }  # fmt: skip
    benchmark = load_sugarcrepe_pp(FIXTURES / "sugarcrepe_pp", tmp_path)
    result = run(benchmark, fake_clip, texts, {1: RIGHT, 2: RIGHT, 3: RIGHT})
    assert result.scores == pytest.approx(
        {
            "replace_att/itt": 0.5,
            "replace_att/tot": 0.5,
            "swap_obj/itt": 1.0,
            "swap_obj/tot": 0.0,
            "itt": 0.75,
            "tot": 0.25,
        }
    )
