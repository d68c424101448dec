"""A small two-colour world for trainer tests: images whose left and right halves carry two colours."""

from __future__ import annotations

import copy
import random

from datasets import Dataset
from PIL import Image

COLOURS = {"red": (220, 30, 30), "green": (30, 200, 30), "blue": (30, 30, 220), "yellow": (230, 220, 40)}
TYPES = ["relation", "attribute", "object", "action"]


def _image(left: str, right: str) -> Image.Image:
    image = Image.new("RGB", (32, 32), COLOURS[left])
    image.paste(Image.new("RGB", (16, 32), COLOURS[right]), (16, 0))
    return image


def make_rows(count: int, seed: int = 0) -> list[dict]:
    """Rows of the trainer's schema; every row has 4 typed slots, some of them invalid."""
    rng = random.Random(seed)
    names = list(COLOURS)
    rows = []
    for index in range(count):
        left, right = rng.sample(names, 2)
        other = rng.choice([name for name in names if name not in (left, right)])
        negatives = [f"{right} left of {left}", f"{other} left of {right}", f"{left} above {right}", ""]
        mask = [True, index % 3 != 0, index % 2 == 0, False]
        negatives = [text if valid else "" for text, valid in zip(negatives, mask, strict=True)]
        rows.append(
            {
                "image": _image(left, right),
                "caption": f"{left} left of {right}",
                "negatives": negatives,
                "negative_types": TYPES,
                "negative_mask": mask,
            }
        )
    return rows


def all_texts() -> list[str]:
    names = list(COLOURS)
    return [f"{a} {relation} {b}" for a in names for b in names for relation in ("left of", "above")]


def make_dataset(count: int, seed: int = 0) -> Dataset:
    return Dataset.from_list(make_rows(count, seed))


def fresh(model):
    return copy.deepcopy(model)
