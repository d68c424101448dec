import itertools

import pytest

from hf_compclip.data.shapes_world import (
    BACKGROUND,
    COLORS,
    HeldOut,
    Scene,
    ShapeObject,
    WorldConfig,
    canonical_triple,
    iter_scenes,
    relation_between,
    render_scene,
)


def _scenes(config: WorldConfig, split: str, n: int) -> list[Scene]:
    return list(itertools.islice(iter_scenes(config, split), n))


def test_same_seed_gives_the_same_scenes_and_pictures():
    first, second = _scenes(WorldConfig(seed=3), "train", 40), _scenes(WorldConfig(seed=3), "train", 40)
    assert first == second
    assert render_scene(first[0]).tobytes() == render_scene(second[0]).tobytes()
    assert _scenes(WorldConfig(seed=4), "train", 40) != first


def test_splits_draw_from_separate_streams():
    config = WorldConfig(seed=0)
    assert _scenes(config, "train", 20) != _scenes(config, "validation", 20)


def test_every_pair_of_every_scene_has_one_clear_relation_and_no_overlap():
    for scene in _scenes(WorldConfig(), "train", 300):
        assert 1 <= len(scene.objects) <= 3
        for a, b in itertools.permutations(scene.objects, 2):
            assert relation_between(a, b) is not None
            distance = ((a.x - b.x) ** 2 + (a.y - b.y) ** 2) ** 0.5
            assert distance > a.radius + b.radius
        assert len({(o.shape, o.color) for o in scene.objects}) == len(scene.objects)


def test_relation_reads_from_positions_with_y_growing_downwards():
    left = ShapeObject("square", "red", "small", 0.2, 0.5)
    right = ShapeObject("circle", "blue", "small", 0.8, 0.55)
    top = ShapeObject("cross", "green", "small", 0.25, 0.1)
    assert relation_between(left, right) == "left of"
    assert relation_between(right, left) == "right of"
    assert relation_between(top, left) == "above"
    assert relation_between(left, top) == "below"
    diagonal = ShapeObject("triangle", "red", "small", 0.5, 0.2)
    assert relation_between(left, diagonal) is None
    with pytest.raises(ValueError, match="no unambiguous relation"):
        Scene((left, diagonal)).relation(0, 1)


def test_held_out_violations_name_pairs_and_triples_in_either_direction():
    held_out = HeldOut(color_shapes=(("red", "circle"),), relation_triples=(("circle", "left of", "triangle"),))
    circle = ShapeObject("circle", "red", "big", 0.2, 0.5)
    triangle = ShapeObject("triangle", "blue", "big", 0.8, 0.5)
    assert held_out.violations(Scene((circle, triangle))) == ["red circle", "circle left of triangle"]
    assert held_out.violations(Scene((triangle, circle))) == ["red circle", "circle left of triangle"]
    mirrored = Scene(
        (ShapeObject("circle", "blue", "big", 0.8, 0.5), ShapeObject("triangle", "blue", "big", 0.2, 0.5))
    )
    assert held_out.violations(mirrored) == []
    assert HeldOut(relation_triples=(("triangle", "right of", "circle"),)).violations(Scene((circle, triangle)))[
        -1
    ] == ("circle left of triangle")


def test_held_out_rejects_names_outside_the_world():
    with pytest.raises(ValueError, match="pink"):
        HeldOut(color_shapes=(("pink", "circle"),))
    with pytest.raises(ValueError, match="hexagon"):
        HeldOut(relation_triples=(("hexagon", "left of", "circle"),))
    with pytest.raises(ValueError, match="inside"):
        canonical_triple("circle", "inside", "square")


def test_train_and_validation_never_show_a_held_out_combination_and_test_always_does():
    config = WorldConfig(seed=1)
    for split in ("train", "validation"):
        assert all(config.held_out.violations(s) == [] for s in _scenes(config, split, 500))
    test = _scenes(config, "test", 300)
    assert all(config.held_out.violations(s) for s in test)
    shown = {v for s in test for v in config.held_out.violations(s)}
    described = config.held_out.describe()
    assert shown == set(described["color_shapes"]) | set(described["relation_triples"])


def test_rendering_paints_each_object_in_its_colour_on_the_background():
    scene = Scene((ShapeObject("circle", "red", "big", 0.3, 0.5), ShapeObject("cross", "blue", "big", 0.75, 0.5)))
    image = render_scene(scene, 64)
    assert image.size == (64, 64)
    assert image.getpixel((19, 32)) == COLORS["red"]
    assert image.getpixel((48, 32)) == COLORS["blue"]
    assert image.getpixel((2, 2)) == BACKGROUND
    # a cross leaves its corners empty, a square of the same radius would not
    corner = image.getpixel((48 - 6, 32 - 6))
    assert max(abs(a - b) for a, b in zip(corner, BACKGROUND, strict=True)) <= 2


def test_world_config_rejects_bad_weights():
    with pytest.raises(ValueError, match="object_count_weights"):
        WorldConfig(object_count_weights=(1.0, -1.0, 0.0))


def test_grid_worlds_put_every_object_in_the_centre_of_a_cell():
    for grid in (4, 3):
        scenes = _scenes(WorldConfig(grid=grid, jitter=0.0), "train", 200)
        centres = {(k + 0.5) / grid for k in range(grid)}
        assert all(o.x in centres and o.y in centres for scene in scenes for o in scene.objects)
        # a big object stays inside its cell, so each one falls in one patch of a grid x grid ViT
        assert all(o.radius < 0.5 / grid for scene in scenes for o in scene.objects)
        assert max(len(scene.objects) for scene in scenes) == 3
    anywhere = _scenes(WorldConfig(grid=None), "train", 50)
    assert len({o.x for scene in anywhere for o in scene.objects}) > 50


def test_jitter_keeps_objects_near_their_cell_centre_and_on_the_canvas():
    jitter, grid = 0.15, 4
    scenes = _scenes(WorldConfig(grid=grid, jitter=jitter), "train", 300)
    offsets = []
    for scene in scenes:
        for obj in scene.objects:
            assert obj.radius <= obj.x <= 1 - obj.radius and obj.radius <= obj.y <= 1 - obj.radius
            for position in (obj.x, obj.y):
                offset = abs(position * grid - (min(int(position * grid), grid - 1) + 0.5))
                assert offset <= jitter + 1e-9
                offsets.append(offset)
    assert max(offsets) > 0.1 and len({round(o, 6) for o in offsets}) > 100
    with pytest.raises(ValueError, match=r"jitter 0.5: choose a fraction of a cell in \[0, 0.5\)"):
        WorldConfig(jitter=0.5)


@pytest.mark.parametrize("grid", [2, 5])
def test_a_grid_too_small_for_three_related_objects_or_too_fine_for_a_big_one_is_refused(grid):
    with pytest.raises(ValueError, match=f"grid {grid}: choose 3 to 4 cells a side"):
        WorldConfig(grid=grid)
