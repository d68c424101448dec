"""The shapes world as a file-backed ``datasets.DatasetDict``: train, validation and a held-out test split.

Rows hold the picture (``datasets.Image``), one caption, the scene graph as structured columns and the
held-out combinations the scene shows. The dataset is written with ``save_to_disk`` and read back with
``load_from_disk``, so that ``Dataset.map`` downstream (hard-negative generation) caches to files.

train and validation show no held-out combination; every test scene shows at least one.
"""

from __future__ import annotations

import json
import random
import tempfile
from collections.abc import Iterator
from pathlib import Path

from datasets import DatasetDict, Features, Image, List, Value, load_from_disk
from tqdm.auto import tqdm

from hf_compclip.data.shapes_captions import caption_scene
from hf_compclip.data.shapes_world import HeldOut, Scene, WorldConfig, iter_scenes, render_scene, scene_id

SPLITS: tuple[str, ...] = ("train", "validation", "test")
WORLD_FILE = "shapes_world.json"


def shapes_features() -> Features:
    object_feature = {
        "shape": Value("string"),
        "color": Value("string"),
        "size": Value("string"),
        "x": Value("float64"),
        "y": Value("float64"),
    }
    relation_feature = {"subject": Value("int32"), "relation": Value("string"), "object": Value("int32")}
    return Features(
        {
            "image": Image(),
            "caption": Value("string"),
            "image_id": Value("string"),
            "objects": List(object_feature),
            "relations": List(relation_feature),
            "held_out": List(Value("string")),
        }
    )


def scene_from_row(row: dict) -> Scene:
    """The scene graph of a dataset row (its ``objects`` column)."""
    return Scene.from_dict({"objects": row["objects"]})


def iter_split_rows(
    config: WorldConfig, split: str, n_scenes: int, captions_per_image: int = 1, *, progress: bool = True
) -> Iterator[dict]:
    """The rows of the first ``n_scenes`` scenes of ``split``, ``captions_per_image`` captions each.

    Captions draw from their own random stream, so asking for more captions per image keeps the scenes.
    """
    caption_rng = random.Random(f"shapes-captions/{config.seed}/{split}")
    scenes = iter_scenes(config, split)
    for index in tqdm(range(n_scenes), desc=f"shapes {split}", unit="scene", disable=not progress):
        scene = next(scenes)
        image = render_scene(scene, config.image_size)
        graph = scene.to_dict()
        held_out = config.held_out.violations(scene)
        for _ in range(captions_per_image):
            yield {
                "image": image,
                "caption": caption_scene(scene, caption_rng),
                "image_id": scene_id(split, index),
                "objects": graph["objects"],
                "relations": graph["relations"],
                "held_out": held_out,
            }


def build_shapes_dataset(
    out_dir: str | Path,
    config: WorldConfig | None = None,
    *,
    train_size: int = 8000,
    validation_size: int = 500,
    test_size: int = 1000,
    captions_per_image: int = 1,
) -> DatasetDict:
    """Generate the three splits (sizes count scenes), save them to ``out_dir`` and load them back from disk."""
    config = config or WorldConfig()
    sizes = {"train": train_size, "validation": validation_size, "test": test_size}
    for split, size in sizes.items():
        if size < 1:
            raise ValueError(f"{split}_size must be at least 1, got {size}")
    if captions_per_image < 1:
        raise ValueError(f"captions_per_image must be at least 1, got {captions_per_image}")
    from datasets import Dataset

    out_dir = Path(out_dir)
    with tempfile.TemporaryDirectory() as cache_dir:
        splits = DatasetDict(
            {
                split: Dataset.from_generator(
                    iter_split_rows,
                    features=shapes_features(),
                    gen_kwargs={
                        "config": config,
                        "split": split,
                        "n_scenes": size,
                        "captions_per_image": captions_per_image,
                    },
                    cache_dir=cache_dir,
                    split=split,
                )
                for split, size in sizes.items()
            }
        )
        splits.save_to_disk(str(out_dir))
    world = {
        "seed": config.seed,
        "image_size": config.image_size,
        "object_count_weights": config.object_count_weights,
        "grid": config.grid,
        "jitter": config.jitter,
    }
    world |= {
        "held_out": {
            "color_shapes": config.held_out.color_shapes,
            "relation_triples": config.held_out.relation_triples,
        }
    }
    (out_dir / WORLD_FILE).write_text(json.dumps(world, indent=1))
    return load_shapes_dataset(out_dir)


def load_shapes_dataset(path: str | Path) -> DatasetDict:
    """Load a dataset written by :func:`build_shapes_dataset`."""
    path = Path(path)
    if not (path / WORLD_FILE).is_file():
        raise FileNotFoundError(
            f"{path / WORLD_FILE} not found: is {path} a shapes dataset from build_shapes_dataset?"
        )
    return load_from_disk(str(path))


def load_world_config(path: str | Path) -> WorldConfig:
    """The :class:`WorldConfig` a saved shapes dataset was generated with."""
    file = Path(path) / WORLD_FILE
    try:
        world = json.loads(file.read_text())
        held_out = HeldOut(**world["held_out"])
        # A world written before the lattice existed placed its objects anywhere: no "grid" means None; one
        # written before the jitter put its objects exactly on the cell centres.
        return WorldConfig(
            world["seed"],
            world["image_size"],
            tuple(world["object_count_weights"]),
            held_out,
            world.get("grid"),
            world.get("jitter", 0.0),
        )
    except (OSError, KeyError, TypeError, json.JSONDecodeError) as error:
        raise ValueError(f"{file}: not a readable shapes world description ({error!r})") from error
