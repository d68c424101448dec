"""COCO annotation readers: the three layouts agree, the image check names bad files, bad json is named."""

import json
import logging
import random

import pytest
from PIL import Image

from hf_compclip.data.coco import read_coco_captions
from tests.recipes.conftest import FIXTURE, OFFICIAL


def test_the_three_layouts_give_the_same_rows():
    official = read_coco_captions(OFFICIAL, FIXTURE).rows
    listed = read_coco_captions(FIXTURE / "coco_karpathy_list.json", FIXTURE).rows
    karpathy = read_coco_captions(FIXTURE / "dataset_coco.json", FIXTURE, splits=("train", "restval", "val")).rows
    assert len(official) == 40
    assert official == listed == karpathy
    first = official[0]
    assert first["image"] == str(FIXTURE / "val2014" / "COCO_val2014_000000391895.jpg")
    assert first["caption"] == "A man with a red helmet on a small moped on a dirt road."  # stripped
    assert first["image_id"] == "391895"


def test_karpathy_splits_and_max_samples():
    rows = read_coco_captions(FIXTURE / "dataset_coco.json", FIXTURE).rows  # train + restval
    assert len(rows) == 35
    assert len(read_coco_captions(FIXTURE / "dataset_coco.json", FIXTURE, splits=["val"]).rows) == 5
    assert len(read_coco_captions(OFFICIAL, FIXTURE, max_samples=7).rows) == 7
    dataset = read_coco_captions(OFFICIAL, FIXTURE, max_samples=3).to_dataset()
    assert dataset.column_names == ["image", "caption", "image_id"] and len(dataset) == 3


def test_unreadable_image_is_named_and_skipping_counts_it(coco_copy, caplog):
    broken = coco_copy / "val2014" / "COCO_val2014_000000223648.jpg"
    broken.write_bytes(b"not a jpeg")
    annotation = coco_copy / "annotations" / "captions_val2014.json"
    with pytest.raises(FileNotFoundError, match=rf"image {broken} \(listed in .*captions_val2014.json\): unreadable"):
        read_coco_captions(annotation, coco_copy)
    with caplog.at_level(logging.WARNING):
        captions = read_coco_captions(annotation, coco_copy, skip_missing_images=True)
    assert captions.skipped_images == [str(broken)] and captions.skipped_captions == 5 and len(captions.rows) == 35
    assert "Skipped 5 of 40 captions: 1 images missing or unreadable" in caplog.text
    assert all(row["image"] != str(broken) for row in captions.rows)
    assert len(read_coco_captions(annotation, coco_copy, check_images=False).rows) == 40


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"images": [{"id": 1, "file_name": "a.jpg"}], "annotations": [{"image_id": 2, "caption": "x"}]},
         r"annotations\[0\]: image_id 2 is not in"),
        ({"images": [{"id": 1, "file_name": "a.jpg"}], "annotations": [{"image_id": 1}]},
         r"annotations\[0\]: missing field 'caption'"),
        ({"images": [{"id": 1, "file_name": "a.jpg"}], "annotations": [{"image_id": 1, "caption": " "}]},
         r"annotations\[0\]: the caption is empty"),
        ([{"image": "a.jpg", "caption": ["ok", 3]}], r"\[0\]: the caption is empty or not a string \(3\)"),
        ({"something": []}, "not a COCO caption file"),
    ],
)  # fmt: skip
def test_bad_annotation_files_are_named(tmp_path, content, message):
    path = tmp_path / "captions_train2014.json"
    path.write_text(json.dumps(content))
    with pytest.raises(ValueError, match=message):
        read_coco_captions(path, tmp_path, check_images=False)


def test_official_file_names_are_under_the_split_folder(tmp_path):
    path = tmp_path / "captions_train2014.json"
    path.write_text(json.dumps({"images": [{"id": 7, "file_name": "b.jpg"}], "annotations": [
        {"image_id": 7, "caption": "a cat"}]}))  # fmt: skip
    assert read_coco_captions(path, tmp_path, check_images=False).rows[0]["image"] == str(tmp_path / "train2014/b.jpg")
    with pytest.raises(ValueError, match="looks like 'coco'"):
        read_coco_captions(path, tmp_path, annotation_format="karpathy", check_images=False)


def test_random_resized_crop_keeps_the_area_and_size():
    from hf_compclip.training.augment import RandomResizedCrop

    image = Image.new("RGB", (64, 48))
    crop = RandomResizedCrop(32, scale=(0.9, 1.0), rng=random.Random(0))
    for _ in range(200):
        left, top, right, bottom = crop.crop_box(64, 48)
        assert 0 <= left < right <= 64 and 0 <= top < bottom <= 48
        area = (right - left) * (bottom - top) / (64 * 48)
        assert 0.85 <= area <= 1.0  # 0.9 up to rounding, or the clamped central fallback
    assert crop(image).size == (32, 32)
    boxes = {RandomResizedCrop(32, rng=random.Random(seed)).crop_box(64, 48) for seed in range(20)}
    assert len(boxes) > 5
    assert RandomResizedCrop(32, rng=random.Random(1)).crop_box(64, 48) == RandomResizedCrop(
        32, rng=random.Random(1)
    ).crop_box(64, 48)
    with pytest.raises(ValueError, match="scale"):
        RandomResizedCrop(32, scale=(0.0, 1.0))
