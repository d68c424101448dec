import json

import pytest

from hf_compclip.evaluation import EmbeddingScorer, load_sugarcrepe
from hf_compclip.evaluation.sugarcrepe import CATEGORY_GROUPS

from .conftest import FIXTURES, save_image

DATA = FIXTURES / "sugarcrepe"
E = {0: [1.0, 0.0, 0.0, 0.0], 1: [0.0, 1.0, 0.0, 0.0], 2: [0.0, 0.0, 1.0, 0.0], 3: [0.0, 0.0, 0.0, 1.0]}


@pytest.fixture
def coco_images(tmp_path):
    for number in (1, 2, 3):
        save_image(tmp_path / f"00000000000{number}.jpg", number)
    return tmp_path


def _texts():
    """Every caption aligned with its image; negatives orthogonal unless a test overrides them."""
    texts = {}
    for path in DATA.glob("*.json"):
        for item in json.loads(path.read_text()).values():
            image = int(item["filename"][-5])
            texts[item["caption"]] = E[image - 1]
            texts[item["negative_caption"]] = E[3]
    return texts


def test_categories_groups_and_means_by_hand(fake_clip, coco_images):
    texts = _texts()
    texts["two men riding bikes"] = [0.0, 2.0, 0.0, 0.0]  # replace_obj/1: negative wins
    texts["a dog sleeping on a bed"] = E[0]  # replace_obj/2: tie with the caption -> wrong
    texts["a sofa on a dog"] = [0.6, 0.0, 0.0, 0.8]  # swap_obj/1: negative at cosine 0.6 < 1.0 -> right
    texts["a house in front of a tree"] = E[2]  # swap_obj/0: tie -> wrong
    texts["a tree near a wooden house"] = E[2]  # add_att/0: tie
    texts["men riding tired horses"] = E[1]  # add_att/1: tie
    model, processor = fake_clip(texts, {n: E[n - 1] for n in (1, 2, 3)}, dim=4)
    result = load_sugarcrepe(DATA, coco_images).run(EmbeddingScorer(model, processor, show_progress=False))
    expected = {
        "replace_obj": 1 / 3,
        "replace_att": 1.0,
        "swap_obj": 1 / 2,
        "add_att": 0.0,
        "replace": (1 / 3 + 1) / 2,
        "swap": 1 / 2,
        "add": 0.0,
        "avg": ((1 / 3 + 1) / 2 + 1 / 2 + 0) / 3,
        "micro": 4 / 9,
    }
    assert result.scores == pytest.approx(expected)
    assert list(result.scores) == list(expected)
    assert result.counts["replace_obj"] == 3 and result.counts["replace"] == 5
    assert result.details["categories_missing"] == ["replace_rel", "swap_att", "add_obj"]
    assert result.primary_metric == "sugarcrepe/avg"


def test_equal_scores_give_zero_everywhere(fake_clip, coco_images):
    model, processor = fake_clip({}, {n: E[n - 1] for n in (1, 2, 3)}, dim=4)  # every text scores 0
    result = load_sugarcrepe(DATA, coco_images).run(EmbeddingScorer(model, processor, show_progress=False))
    assert all(value == 0.0 for value in result.scores.values())


def test_each_image_and_text_is_encoded_once(fake_clip, coco_images):
    model, processor = fake_clip(_texts(), {n: E[n - 1] for n in (1, 2, 3)}, dim=4)
    load_sugarcrepe(DATA, coco_images).run(EmbeddingScorer(model, processor, batch_size=2, show_progress=False))
    assert sorted(model.image_inputs) == [1, 2, 3]  # 9 items share 3 images
    assert len(model.text_inputs) == len(set(model.text_inputs)) == len(_texts())


def test_tensor_features_work_like_model_outputs(fake_clip, coco_images):
    model, processor = fake_clip(_texts(), {n: E[n - 1] for n in (1, 2, 3)}, dim=4, return_tensors=True)
    result = load_sugarcrepe(DATA, coco_images).run(EmbeddingScorer(model, processor, show_progress=False))
    assert result["avg"] == 1.0


def test_requested_category_that_is_missing_names_the_file_and_source(coco_images):
    with pytest.raises(FileNotFoundError, match=r"add_obj\.json.*github\.com/RAIVNLab/sugar-crepe"):
        load_sugarcrepe(DATA, coco_images, categories=["replace_obj", "add_obj"])


def test_subset_of_requested_categories_is_scored(fake_clip, coco_images):
    model, processor = fake_clip(_texts(), {n: E[n - 1] for n in (1, 2, 3)}, dim=4)
    benchmark = load_sugarcrepe(DATA, coco_images, categories=["swap_obj"])
    result = benchmark.run(EmbeddingScorer(model, processor, show_progress=False))
    assert set(result.scores) == {"swap_obj", "swap", "avg", "micro"}


def test_empty_root_and_missing_images_and_bad_rows(tmp_path, coco_images):
    with pytest.raises(FileNotFoundError, match="none of the official files"):
        load_sugarcrepe(tmp_path / "empty", coco_images)
    (coco_images / "000000000003.jpg").unlink()
    with pytest.raises(FileNotFoundError, match=r"images not found.*000000000003\.jpg"):
        load_sugarcrepe(DATA, coco_images)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "add_obj.json").write_text('{"7": {"filename": "x.jpg", "caption": "a cat"}}')
    with pytest.raises(ValueError, match=r"add_obj\.json, item 7: missing field 'negative_caption'"):
        load_sugarcrepe(bad, coco_images)


def test_seven_official_categories_and_groups():
    assert list(CATEGORY_GROUPS) == [
        "replace_obj", "replace_att", "replace_rel", "swap_obj", "swap_att", "add_obj", "add_att"
    ]  # fmt: skip
