import itertools
import json
from collections import Counter

import pytest
from PIL import Image

from hf_compclip.data.shapes_benchmark import (
    CATEGORIES,
    benchmark_items,
    load_benchmark_scenes,
    write_shapes_benchmark,
)
from hf_compclip.data.shapes_captions import caption_is_true, parse_caption
from hf_compclip.data.shapes_world import HeldOut, WorldConfig, iter_scenes

N_PER_CATEGORY = 40


@pytest.fixture(scope="module")
def benchmark(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("shapes_benchmark")
    counts = write_shapes_benchmark(out_dir, WorldConfig(seed=5, image_size=32), n_per_category=N_PER_CATEGORY)
    return out_dir, counts


def _items(out_dir, category):
    return json.loads((out_dir / f"{category}.json").read_text())


def test_files_have_sugarcrepe_format_and_balanced_sizes(benchmark):
    out_dir, counts = benchmark
    assert counts == dict.fromkeys(CATEGORIES, N_PER_CATEGORY)
    for category in CATEGORIES:
        items = _items(out_dir, category)
        assert list(items) == [str(k) for k in range(N_PER_CATEGORY)]
        for item in items.values():
            assert set(item) == {"filename", "caption", "negative_caption"}
            assert all(isinstance(value, str) and value for value in item.values())
            with Image.open(out_dir / "images" / item["filename"]) as image:
                assert image.size == (32, 32) and image.mode == "RGB"


def test_every_negative_differs_and_is_false_of_its_image_by_the_scene_graph(benchmark):
    out_dir, _ = benchmark
    scenes = load_benchmark_scenes(out_dir)
    for category in CATEGORIES:
        for item in _items(out_dir, category).values():
            scene = scenes[item["filename"]]
            assert item["negative_caption"] != item["caption"]
            assert caption_is_true(parse_caption(item["caption"]), scene), item
            assert not caption_is_true(parse_caption(item["negative_caption"]), scene), (category, item)


def test_images_come_from_the_held_out_test_split(benchmark):
    out_dir, _ = benchmark
    world = json.loads((out_dir / "world.json").read_text())
    held_out = HeldOut(
        color_shapes=[c.split(" ") for c in world["held_out"]["color_shapes"]],
        relation_triples=[
            (t.split(" ")[0], t.split(" ", 1)[1].rsplit(" ", 1)[0], t.rsplit(" ", 1)[1])
            for t in world["held_out"]["relation_triples"]
        ],
    )
    assert held_out == HeldOut()
    scenes = load_benchmark_scenes(out_dir)
    assert all(name.startswith("test_") for name in scenes)
    assert all(held_out.violations(scene) for scene in scenes.values())


def _words(text):
    """The bag of words, without articles ("a" or "an" follows the next word)."""
    return Counter(w for w in text.replace(",", "").split() if w not in ("a", "an"))


def test_each_category_makes_its_kind_of_edit(benchmark):
    out_dir, _ = benchmark
    for category in CATEGORIES:
        for item in _items(out_dir, category).values():
            caption, negative = parse_caption(item["caption"]), parse_caption(item["negative_caption"])
            if category.startswith("swap"):
                # a swap keeps the bag of words: only a model that reads the binding can tell the two apart
                assert _words(item["caption"]) == _words(item["negative_caption"])
            if category.startswith("add"):
                extra = sum(_words(item["negative_caption"]).values()) - sum(_words(item["caption"]).values())
                assert extra >= 1
            if category == "add_obj":
                assert len(negative) == len(caption) + 1
            if category == "replace_rel":
                assert [(c.subject, c.object) for c in caption] == [(c.subject, c.object) for c in negative]
                assert [c.relation for c in caption] != [c.relation for c in negative]
            if category == "replace_obj":
                shapes = [(np.shape, np.color) for c in caption for np in (c.subject, c.object) if np]
                negative_shapes = [(np.shape, np.color) for c in negative for np in (c.subject, c.object) if np]
                assert [c for _, c in shapes] == [c for _, c in negative_shapes]
                assert sum(a != b for a, b in zip(shapes, negative_shapes, strict=True)) == 1


def test_items_are_deterministic_and_categories_independent():
    config = WorldConfig(seed=9)
    _, everything = benchmark_items(config, 10)
    _, again = benchmark_items(config, 10)
    _, only_swaps = benchmark_items(config, 10, categories=["swap_att", "swap_obj"])
    assert everything == again
    assert only_swaps == {c: everything[c] for c in ("swap_att", "swap_obj")}


def test_an_in_distribution_benchmark_skips_the_excluded_training_scenes(tmp_path):
    config = WorldConfig(seed=9)
    training = set(itertools.islice(iter_scenes(config, "train"), 2000))
    scenes, _ = benchmark_items(config, 30, split="validation")
    assert any(scene in training for scene in scenes.values())  # exactly on the lattice, one-object scenes recur
    kept, items = benchmark_items(config, 30, split="validation", exclude=training)
    assert kept and not any(scene in training for scene in kept.values())
    assert all(len(category_items) == 30 for category_items in items.values())
    write_shapes_benchmark(tmp_path, config, n_per_category=2, split="validation", exclude=training)
    assert json.loads((tmp_path / "world.json").read_text())["excluded_scenes"] == len(training)


def test_bad_requests_are_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="swap_rel"):
        benchmark_items(WorldConfig(), 5, categories=["swap_rel"])
    with pytest.raises(FileNotFoundError, match=r"scenes\.json"):
        load_benchmark_scenes(tmp_path)
