"""Real caption slices (see tests/fixtures/*/README.md) shared by the negatives tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
COCO_SLICE = FIXTURES / "coco" / "coco_karpathy_test_slice.json"
NEGCLIP_SLICE = FIXTURES / "negclip" / "valid_neg_clip_slice.tsv"


@pytest.fixture(scope="session")
def coco_records() -> list[dict]:
    return [
        {"caption": caption, "image": item["image"]}
        for item in json.loads(COCO_SLICE.read_text(encoding="utf-8"))
        for caption in item["caption"]
    ]


@pytest.fixture(scope="session")
def coco_captions(coco_records) -> list[str]:
    return [record["caption"] for record in coco_records]
