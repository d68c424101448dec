import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

from hf_compclip.tiny import build_tiny_clip

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "coco_tiny"
OFFICIAL = FIXTURE / "annotations" / "captions_val2014.json"


def fixture_captions() -> list[str]:
    return [annotation["caption"] for annotation in json.loads(OFFICIAL.read_text())["annotations"]]


@pytest.fixture(scope="session")
def recipe():
    """recipes/train_coco.py as a module (recipes/ is not a package)."""
    spec = importlib.util.spec_from_file_location("train_coco", ROOT / "recipes" / "train_coco.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve string annotations through sys.modules
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A random tiny CLIP and its processor saved like a Hub checkpoint, the recipe's --model_name_or_path."""
    folder = tmp_path_factory.mktemp("tiny_clip")
    model, processor = build_tiny_clip(fixture_captions(), vocab_size=400, image_size=32, seed=0)
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


@pytest.fixture
def coco_copy(tmp_path) -> Path:
    """A writable copy of the fixture, for tests that break an image."""
    target = tmp_path / "coco"
    shutil.copytree(FIXTURE, target)
    return target


@pytest.fixture(scope="session")
def shapes_recipe():
    """recipes/train_shapes.py as a module."""
    spec = importlib.util.spec_from_file_location("train_shapes", ROOT / "recipes" / "train_shapes.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
