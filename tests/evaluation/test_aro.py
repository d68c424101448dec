import json

import pytest
from PIL import Image

from hf_compclip.evaluation import EmbeddingScorer, load_vg_attribution, load_vg_relation, symmetric_relations
from hf_compclip.evaluation.aro import MIN_ATTRIBUTE_GROUP

from .conftest import FIXTURES

DATA = FIXTURES / "aro"
RIGHT, WRONG = [1.0, 0.0], [0.0, 1.0]


def two_tone(path, left_id, right_id):
    """16x8 image: left half red=left_id, right half red=right_id; the fixtures' boxes select the right half."""
    image = Image.new("RGB", (16, 8), (left_id, 0, 0))
    image.paste((right_id, 0, 0), (8, 0, 16, 8))
    image.save(path, format="PNG")


@pytest.fixture
def vg_images(tmp_path):
    for number in range(10, 27):
        two_tone(tmp_path / f"{number}.jpg", left_id=200, right_id=number)
    return tmp_path


def scorer(fake_clip, texts, images):
    model, processor = fake_clip(texts, images)
    return EmbeddingScorer(model, processor, show_progress=False), model


def test_relation_crops_to_the_box_filters_symmetric_and_macro_averages(fake_clip, vg_images):
    items = json.loads((DATA / "visual_genome_relation.json").read_text())
    texts = {item["true_caption"]: RIGHT for item in items} | {item["false_caption"]: WRONG for item in items}
    texts["the shelf is on the book"] = RIGHT  # "on" item 2: tie -> wrong
    texts["the bat is holding the man"] = [0.0, 0.0]  # orthogonal: still right
    texts["the hat is on the man"] = [-1.0, 0.0]  # "on" item 1: true caption loses
    # the cropped (right) halves carry ids 10..15 and score; the uncropped left half (id 200) would score 0
    images = {number: RIGHT for number in range(10, 16)} | {200: [0.0, 0.0]}
    score, model = scorer(fake_clip, texts, images)
    benchmark = load_vg_relation(DATA, vg_images)
    result = benchmark.run(score)
    assert sorted(set(model.image_inputs)) == [10, 11, 12, 13]  # crops only; "beside" items (14, 15) dropped
    assert result.scores == pytest.approx({"macro": (1 / 3 + 1) / 2, "micro": 2 / 4})
    assert result.details["items_dropped"] == 2
    assert result.details["group_sizes"] == {"holding": 1, "on": 3}


def test_symmetric_relations_are_the_157_published():
    relations = symmetric_relations()
    assert len(relations) == 157
    assert "beside" in relations and "on" not in relations and "holding" not in relations


def test_no_filter_keeps_symmetric_relations(fake_clip, vg_images):
    assert len(load_vg_relation(DATA, vg_images, excluded_relations=[]).items) == 6


def test_attribution_keeps_large_groups_for_the_macro_mean(fake_clip, vg_images):
    items = json.loads((DATA / "visual_genome_attribution.json").read_text())
    texts = {item["true_caption"]: RIGHT for item in items} | {item["false_caption"]: WRONG for item in items}
    texts["the black shirt and the white pants"] = [2.0, 0.0]  # white_black item 1: negative wins
    texts["the open bird and the small window"] = [3.0, 0.0]  # small_open (1 item) is wrong but not in the macro
    score, _ = scorer(fake_clip, texts, {number: RIGHT for number in range(20, 27)})
    result = load_vg_attribution(DATA, vg_images, min_group=3).run(score)
    assert result.scores == pytest.approx({"macro": (2 / 3 + 1) / 2, "micro": 5 / 7})
    assert result.counts == {"macro": 6, "micro": 7}
    assert result.details == {"min_group": 3, "groups_kept": 2, "groups_total": 3}


def test_attribution_default_group_size_is_25(vg_images):
    benchmark = load_vg_attribution(DATA, vg_images)
    assert MIN_ATTRIBUTE_GROUP == 25 and benchmark.details["groups_kept"] == 0


def test_missing_annotation_names_file_and_source(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"visual_genome_relation\.json.*vision-language-models-are-bows"):
        load_vg_relation(tmp_path, tmp_path)
