import pytest
from datasets import Image as ImageFeature

from hf_compclip.data.shapes_captions import caption_is_true, parse_caption
from hf_compclip.data.shapes_dataset import (
    build_shapes_dataset,
    load_shapes_dataset,
    load_world_config,
    scene_from_row,
)
from hf_compclip.data.shapes_world import WorldConfig, render_scene

CONFIG = WorldConfig(seed=11, image_size=32)
SIZES = {"train_size": 40, "validation_size": 8, "test_size": 12}


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("shapes_dataset")
    return out_dir, build_shapes_dataset(out_dir, CONFIG, captions_per_image=2, **SIZES)


def test_splits_are_file_backed_with_an_image_feature(saved):
    out_dir, dataset = saved
    assert {split: len(rows) for split, rows in dataset.items()} == {"train": 80, "validation": 16, "test": 24}
    for rows in dataset.values():
        assert isinstance(rows.features["image"], ImageFeature)
        assert all(str(out_dir) in f["filename"] for f in rows.cache_files)
    mapped = dataset["train"].map(lambda row: {"n_words": len(row["caption"].split())})
    assert all(str(out_dir) in f["filename"] for f in mapped.cache_files)


def test_rows_agree_with_their_scene_graph(saved):
    _, dataset = saved
    for split, rows in dataset.items():
        for row in rows:
            scene = scene_from_row(row)
            assert caption_is_true(parse_caption(row["caption"]), scene), row["caption"]
            assert row["image"].size == (32, 32)
            assert row["image"].tobytes() == render_scene(scene, 32).tobytes()
            assert row["image_id"].startswith(f"{split}_")
            assert row["held_out"] == CONFIG.held_out.violations(scene)
            assert len(row["relations"]) == len(row["objects"]) * (len(row["objects"]) - 1)


def test_held_out_combinations_never_reach_the_training_split(saved):
    _, dataset = saved
    for split in ("train", "validation"):
        assert all(CONFIG.held_out.violations(scene_from_row(row)) == [] for row in dataset[split])
        assert all(held_out == [] for held_out in dataset[split]["held_out"])
        for caption in dataset[split]["caption"]:
            for clause in parse_caption(caption):
                for np in (clause.subject, clause.object):
                    assert np is None or (np.color, np.shape) not in CONFIG.held_out.color_shapes, caption
                if clause.relation is not None:
                    shapes = (clause.subject.shape, clause.object.shape)
                    assert not CONFIG.held_out.hides_triple(shapes[0], clause.relation, shapes[1]), caption
    assert all(CONFIG.held_out.violations(scene_from_row(row)) for row in dataset["test"])


def test_each_image_gets_its_own_captions(saved):
    _, dataset = saved
    train = dataset["train"]
    assert train[0]["image_id"] == train[1]["image_id"] != train[2]["image_id"]


def test_the_same_seed_rebuilds_the_same_dataset(saved, tmp_path):
    out_dir, dataset = saved
    again = build_shapes_dataset(tmp_path / "again", CONFIG, captions_per_image=2, **SIZES)
    for split in dataset:
        assert list(again[split]["caption"]) == list(dataset[split]["caption"])
        assert again[split][3]["image"].tobytes() == dataset[split][3]["image"].tobytes()
    reloaded = load_shapes_dataset(out_dir)
    assert list(reloaded["test"]["caption"]) == list(dataset["test"]["caption"])
    assert load_world_config(out_dir) == CONFIG


def test_missing_or_bad_inputs_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"shapes_world\.json"):
        load_shapes_dataset(tmp_path)
    with pytest.raises(ValueError, match="test_size"):
        build_shapes_dataset(tmp_path, CONFIG, test_size=0)
    (tmp_path / "shapes_world.json").write_text("{}")
    with pytest.raises(ValueError, match=r"shapes_world\.json"):
        load_world_config(tmp_path)


def test_a_world_file_from_before_the_lattice_reads_as_objects_anywhere(saved, tmp_path):
    import json

    out_dir, _ = saved
    world = json.loads((out_dir / "shapes_world.json").read_text())
    assert world["grid"] == 4 and world["jitter"] == 0.0
    world["jitter"] = 0.15
    (tmp_path / "shapes_world.json").write_text(json.dumps(world))
    assert load_world_config(tmp_path).jitter == 0.15
    del world["jitter"]
    (tmp_path / "shapes_world.json").write_text(json.dumps(world))
    assert load_world_config(tmp_path).jitter == 0.0
    del world["grid"]
    (tmp_path / "shapes_world.json").write_text(json.dumps(world))
    assert load_world_config(tmp_path).grid is None
