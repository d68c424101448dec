"""The embedded shapes world: scenes of one to three coloured shapes, their scene graphs and their pictures.

A scene is a few objects (shape, colour, size, centre) placed so that every pair stands in exactly one
clear spatial relation: one axis dominates the offset between the two centres by ``AXIS_RATIO``, so a
caption's "left of" or "above" is never a judgement call, and the scene graph decides the truth of any
caption (see :mod:`hf_compclip.data.shapes_captions`).

Composition is measured by holding things out: :class:`HeldOut` names colour-shape pairs and relation
triples that no training scene contains; the test split is made only of scenes that contain at least one.
Everything is drawn from ``random.Random`` seeded with a string, so a seed gives the same world on every
machine and Python version.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

SHAPES: tuple[str, ...] = ("circle", "square", "triangle", "cross")
COLORS: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40),
    "green": (40, 170, 70),
    "blue": (50, 90, 235),
    "yellow": (240, 215, 50),
    "purple": (155, 70, 205),
    "orange": (250, 140, 25),
}
# Radius as a fraction of the canvas side; a big object still fits inside one cell of a 4 x 4 lattice.
SIZES: dict[str, float] = {"small": 0.075, "big": 0.115}
RELATIONS: tuple[str, ...] = ("left of", "right of", "above", "below")
INVERSE_RELATION: dict[str, str] = {"left of": "right of", "right of": "left of", "above": "below", "below": "above"}
# A held-out triple is stored in the direction that reads left to right or top to bottom.
CANONICAL_RELATIONS: tuple[str, ...] = ("left of", "above")

AXIS_RATIO = 2.0  # one axis of a pair's offset must be this many times the other
GAP = 0.04  # empty space between two objects' bounding circles, as a fraction of the canvas
BACKGROUND = (96, 96, 96)
SUPERSAMPLING = 4
MAX_PLACEMENT_TRIES = 200


@dataclass(frozen=True)
class ShapeObject:
    """One object; ``x`` and ``y`` are its centre in [0, 1] canvas units, ``y`` growing downwards."""

    shape: str
    color: str
    size: str
    x: float
    y: float

    @property
    def radius(self) -> float:
        return SIZES[self.size]


def relation_between(a: ShapeObject, b: ShapeObject) -> str | None:
    """Where ``a`` stands relative to ``b``, or None when neither axis dominates (such scenes are never drawn)."""
    dx, dy = b.x - a.x, b.y - a.y
    if abs(dx) >= AXIS_RATIO * abs(dy):
        return "left of" if dx > 0 else "right of"
    if abs(dy) >= AXIS_RATIO * abs(dx):
        return "above" if dy > 0 else "below"
    return None


def canonical_triple(subject_shape: str, relation: str, object_shape: str) -> tuple[str, str, str]:
    """The same fact stated with "left of" or "above": "a circle right of a square" is "a square left of a circle"."""
    if relation not in RELATIONS:
        raise ValueError(f"unknown relation {relation!r}; the world knows {RELATIONS}")
    if relation in CANONICAL_RELATIONS:
        return subject_shape, relation, object_shape
    return object_shape, INVERSE_RELATION[relation], subject_shape


@dataclass(frozen=True)
class Scene:
    """A scene graph: the objects, and a relation for every ordered pair of them."""

    objects: tuple[ShapeObject, ...]

    def relation(self, i: int, j: int) -> str:
        relation = relation_between(self.objects[i], self.objects[j])
        if relation is None:
            raise ValueError(f"objects {i} and {j} of the scene have no unambiguous relation")
        return relation

    def relations(self) -> list[tuple[int, str, int]]:
        """Every ordered pair as (subject index, relation, object index)."""
        n = len(self.objects)
        return [(i, self.relation(i, j), j) for i in range(n) for j in range(n) if i != j]

    def to_dict(self) -> dict:
        return {
            "objects": [
                {"shape": o.shape, "color": o.color, "size": o.size, "x": o.x, "y": o.y} for o in self.objects
            ],
            "relations": [{"subject": i, "relation": r, "object": j} for i, r, j in self.relations()],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Scene:
        """Rebuild a scene from :meth:`to_dict`'s output (relations are recomputed from the positions)."""
        try:
            objects = tuple(
                ShapeObject(**{k: o[k] for k in ("shape", "color", "size", "x", "y")}) for o in data["objects"]
            )
        except (KeyError, TypeError) as error:
            raise ValueError(
                f"a scene needs 'objects' with shape, color, size, x and y: {error!r} in {data!r}"
            ) from error
        return cls(objects)


@dataclass(frozen=True)
class HeldOut:
    """What the training split never shows: colour-shape pairs and (shape, relation, shape) triples.

    The defaults hold out one colour per shape and four triples, each in one direction only (a circle left
    of a triangle is held out, a triangle left of a circle is not), so every word and every shape pair is
    still seen in training and only the combination is new at test time.
    """

    color_shapes: tuple[tuple[str, str], ...] = (
        ("red", "circle"),
        ("green", "square"),
        ("blue", "triangle"),
        ("yellow", "cross"),
    )
    relation_triples: tuple[tuple[str, str, str], ...] = (
        ("circle", "left of", "triangle"),
        ("square", "above", "cross"),
        ("triangle", "left of", "square"),
        ("cross", "above", "circle"),
    )
    _triples: frozenset[tuple[str, str, str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Pairs read back from JSON arrive as lists; membership tests below need tuples.
        object.__setattr__(self, "color_shapes", tuple(tuple(pair) for pair in self.color_shapes))
        object.__setattr__(self, "relation_triples", tuple(tuple(triple) for triple in self.relation_triples))
        for color, shape in self.color_shapes:
            if color not in COLORS or shape not in SHAPES:
                raise ValueError(f"held-out pair ({color!r}, {shape!r}) is not a colour and a shape of the world")
        for subject, relation, obj in self.relation_triples:
            if subject not in SHAPES or obj not in SHAPES:
                raise ValueError(f"held-out triple ({subject!r}, {relation!r}, {obj!r}) names an unknown shape")
        object.__setattr__(self, "_triples", frozenset(canonical_triple(*t) for t in self.relation_triples))

    def hides_object(self, obj: ShapeObject) -> bool:
        return (obj.color, obj.shape) in self.color_shapes

    def hides_triple(self, subject_shape: str, relation: str, object_shape: str) -> bool:
        return canonical_triple(subject_shape, relation, object_shape) in self._triples

    def hides_relation(self, subject: ShapeObject, relation: str, obj: ShapeObject) -> bool:
        return self.hides_triple(subject.shape, relation, obj.shape)

    def violations(self, scene: Scene) -> list[str]:
        """The held-out combinations that ``scene`` shows, in words ("red circle", "circle left of triangle")."""
        found = [f"{o.color} {o.shape}" for o in scene.objects if self.hides_object(o)]
        for i, relation, j in scene.relations():
            # Each fact shows up twice among the ordered pairs; count it once, in its canonical direction.
            if relation in CANONICAL_RELATIONS and self.hides_relation(scene.objects[i], relation, scene.objects[j]):
                found.append(f"{scene.objects[i].shape} {relation} {scene.objects[j].shape}")
        return found

    def describe(self) -> dict[str, list[str]]:
        """The held-out combinations as plain strings, for reports and the benchmark's ``held_out.json``."""
        return {
            "color_shapes": [f"{color} {shape}" for color, shape in self.color_shapes],
            "relation_triples": [" ".join(canonical_triple(*t)) for t in self.relation_triples],
        }


def _place(
    rng: random.Random, picks: Sequence[tuple[str, str, str]], grid: int | None, jitter: float
) -> tuple[ShapeObject, ...] | None:
    objects: list[ShapeObject] = []
    for shape, color, size in picks:
        if grid:
            x, y = (rng.randrange(grid) + 0.5) / grid, (rng.randrange(grid) + 0.5) / grid
            if jitter:
                # Off the centre by at most `jitter` of a cell, and never past the canvas edge.
                low, high = SIZES[size], 1 - SIZES[size]
                x = min(max(x + rng.uniform(-jitter, jitter) / grid, low), high)
                y = min(max(y + rng.uniform(-jitter, jitter) / grid, low), high)
        else:
            low = SIZES[size] + 0.02
            x, y = rng.uniform(low, 1 - low), rng.uniform(low, 1 - low)
        candidate = ShapeObject(shape, color, size, x, y)
        for other in objects:
            distance = ((candidate.x - other.x) ** 2 + (candidate.y - other.y) ** 2) ** 0.5
            if distance < candidate.radius + other.radius + GAP or relation_between(candidate, other) is None:
                return None
        objects.append(candidate)
    return tuple(objects)


def sample_scene(rng: random.Random, n_objects: int, grid: int | None, jitter: float = 0.0) -> Scene:
    """A random scene of ``n_objects`` distinct-looking objects whose pairs all have a clear relation.

    With ``grid``, object centres sit near the centres of the cells of a ``grid`` x ``grid`` lattice, off by at
    most ``jitter`` of a cell; with None, anywhere (see `WorldConfig`).
    """
    if not 1 <= n_objects <= 3:
        raise ValueError(f"a scene holds one to three objects, not {n_objects}")
    while True:
        picks: list[tuple[str, str, str]] = []
        while len(picks) < n_objects:
            pick = (rng.choice(SHAPES), rng.choice(tuple(COLORS)), rng.choice(tuple(SIZES)))
            # Two objects of the same shape and colour would make "the red circle" ambiguous in captions.
            if all(pick[:2] != p[:2] for p in picks):
                picks.append(pick)
        for _ in range(MAX_PLACEMENT_TRIES):
            objects = _place(rng, picks, grid, jitter)
            if objects is not None:
                return Scene(objects)


@dataclass(frozen=True)
class WorldConfig:
    """How scenes are drawn: the seed, the picture size, how many objects, where they stand, what is held out.

    ``grid`` puts every object near the centre of a cell of a ``grid`` x ``grid`` lattice; None places them
    anywhere. The default, 4, matches the shapes CLIP's 16-pixel patches at 64 pixels, so each object fills
    about one patch. A tiny ViT trained from scratch then tells the shapes apart within a few hundred steps; off
    the lattice it must learn every shape at every offset inside a patch, and after the demo's 1,250 steps it
    still cannot. ``jitter`` moves each object off its cell centre by up to that fraction of a cell on each
    axis. Exactly on the centres (0, the default) the tower learns shapes fastest, but trained on labels it
    never learns where objects stand relative to each other; at 0.15 it learns both from labels, yet the
    demo's CLIP training learned shapes worse and relations no better (docs/shapes_world.md).
    """

    seed: int = 0
    image_size: int = 64
    object_count_weights: tuple[float, float, float] = (0.2, 0.4, 0.4)
    held_out: HeldOut = field(default_factory=HeldOut)
    grid: int | None = 4
    jitter: float = 0.0

    def __post_init__(self) -> None:
        if (
            len(self.object_count_weights) != 3
            or min(self.object_count_weights) < 0
            or sum(self.object_count_weights) <= 0
        ):
            raise ValueError(f"object_count_weights needs three non-negative weights, got {self.object_count_weights}")
        if self.image_size < 16:
            raise ValueError(f"image_size {self.image_size} is too small to tell a cross from a square")
        # 3 cells a side at least: on 2 x 2 any three cells include a diagonal pair, which has no clear relation.
        if self.grid is not None and not 3 <= self.grid <= 0.5 / max(SIZES.values()):
            raise ValueError(
                f"grid {self.grid}: choose 3 to {int(0.5 / max(SIZES.values()))} cells a side (three objects need "
                "clear relations, a big object must fit in its cell), or None to place objects anywhere"
            )
        if not 0 <= self.jitter < 0.5:
            raise ValueError(f"jitter {self.jitter}: choose a fraction of a cell in [0, 0.5)")


def iter_scenes(config: WorldConfig, split: str) -> Iterator[Scene]:
    """An endless, seeded stream of the scenes of ``split``.

    "test" yields only scenes showing at least one held-out combination; any other split ("train",
    "validation") only scenes showing none. Each split has its own random stream, so the splits are
    reproducible one by one and a longer training split does not change the test split.
    """
    rng = random.Random(f"shapes-world/{config.seed}/{split}")
    want_held_out = split == "test"
    while True:
        n_objects = rng.choices((1, 2, 3), weights=config.object_count_weights)[0]
        scene = sample_scene(rng, n_objects, config.grid, config.jitter)
        if bool(config.held_out.violations(scene)) == want_held_out:
            yield scene


def scene_id(split: str, index: int) -> str:
    """The name of the ``index``-th scene of ``split``, shared by the dataset's rows and the benchmark's PNG files."""
    return f"{split}_{index:06d}"


def render_scene(scene: Scene, image_size: int = 64) -> Image.Image:
    """Draw ``scene`` as an RGB image, supersampled then shrunk so that edges are smooth at 32-64 px."""
    side = image_size * SUPERSAMPLING
    image = Image.new("RGB", (side, side), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for obj in scene.objects:
        x, y, r, fill = obj.x * side, obj.y * side, obj.radius * side, COLORS[obj.color]
        if obj.shape == "circle":
            draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)
        elif obj.shape == "square":
            h = 0.85 * r  # a square with the circle's radius looks much bigger than the circle
            draw.rectangle((x - h, y - h, x + h, y + h), fill=fill)
        elif obj.shape == "triangle":
            draw.polygon([(x, y - r), (x - 0.95 * r, y + 0.8 * r), (x + 0.95 * r, y + 0.8 * r)], fill=fill)
        elif obj.shape == "cross":
            t = 0.35 * r
            draw.rectangle((x - r, y - t, x + r, y + t), fill=fill)
            draw.rectangle((x - t, y - r, x + t, y + r), fill=fill)
        else:
            raise ValueError(f"cannot draw unknown shape {obj.shape!r}; the world knows {SHAPES}")
    return image.resize((image_size, image_size), Image.Resampling.LANCZOS)
