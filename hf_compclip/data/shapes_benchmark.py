"""The shapes world's compositionality benchmark, written in SugarCrepe's file format.

Each category file (``replace_obj.json`` ...) is a dict id -> {filename, caption, negative_caption}, with the
PNG files under ``images/``, so the SugarCrepe reader of the evaluation harness scores it unchanged. Unlike
SugarCrepe, whose negatives were written by a language model and filtered by people, every negative here
is an edit of a true caption's logical form that the scene graph proves false; ``scenes.json`` ships the
scene graphs so anyone can check.

Items come from the test split, and each one is built around a held-out combination of its scene when it
can be (the red circle, the circle left of a triangle), so the score measures composition, not memory.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from tqdm.auto import tqdm

from hf_compclip.data.shapes_captions import Clause, NounPhrase, Wording, caption_is_true, render_caption
from hf_compclip.data.shapes_world import (
    COLORS,
    RELATIONS,
    SHAPES,
    SIZES,
    Scene,
    WorldConfig,
    iter_scenes,
    render_scene,
    scene_id,
)

CATEGORIES: tuple[str, ...] = (
    "replace_obj",
    "replace_att",
    "replace_rel",
    "swap_obj",
    "swap_att",
    "add_obj",
    "add_att",
)
SIZE_IN_CAPTION_PROBABILITY = 0.3
MAX_SCENES_PER_ITEM = 50  # give up, naming the category, if the world cannot fill it

Caption = tuple[Clause, ...]
Candidate = tuple[Caption, Caption, frozenset[int]]  # caption, negative, indices of the objects it is about


@dataclass(frozen=True)
class BenchmarkItem:
    """One benchmark question: does the model prefer ``caption`` to ``negative_caption`` for the image?"""

    category: str
    scene_index: int
    caption: str
    negative_caption: str


def _other(values: Sequence[str], current: str | None) -> list[str]:
    return [v for v in values if v != current]


def _positives(scene: Scene, phrases: Sequence[NounPhrase], pairs: bool) -> Iterator[tuple[Caption, frozenset[int]]]:
    n = len(scene.objects)
    for i in range(n):
        yield (Clause(phrases[i]),), frozenset({i})
    for i in range(n):
        for j in range(n):
            if i != j:
                yield (Clause(phrases[i], scene.relation(i, j), phrases[j]),), frozenset({i, j})
                if pairs and i < j:
                    yield (Clause(phrases[i]), Clause(phrases[j])), frozenset({i, j})


def _edit_phrases(caption: Caption, edit: Callable[[NounPhrase], list[NounPhrase]]) -> Iterator[Caption]:
    """Every caption that differs from ``caption`` in one noun phrase, as ``edit`` rewrites it."""
    for k, clause in enumerate(caption):
        for role in ("subject", "object"):
            np = getattr(clause, role)
            if np is None:
                continue
            for new in edit(np):
                yield (*caption[:k], replace(clause, **{role: new}), *caption[k + 1 :])


def _replace_obj(scene: Scene, phrases: Sequence[NounPhrase], rng: random.Random) -> Iterator[Candidate]:
    for caption, about in _positives(scene, phrases, pairs=True):
        for negative in _edit_phrases(caption, lambda np: [replace(np, shape=s) for s in _other(SHAPES, np.shape)]):
            yield caption, negative, about


def _replace_att(scene: Scene, phrases: Sequence[NounPhrase], rng: random.Random) -> Iterator[Candidate]:
    def edit(np: NounPhrase) -> list[NounPhrase]:
        edits = [replace(np, color=c) for c in _other(tuple(COLORS), np.color)]
        return edits + ([replace(np, size=s) for s in _other(tuple(SIZES), np.size)] if np.size else [])

    for caption, about in _positives(scene, phrases, pairs=True):
        for negative in _edit_phrases(caption, edit):
            yield caption, negative, about


def _replace_rel(scene: Scene, phrases: Sequence[NounPhrase], rng: random.Random) -> Iterator[Candidate]:
    for caption, about in _positives(scene, phrases, pairs=False):
        clause = caption[0]
        if clause.relation is not None:
            for relation in _other(RELATIONS, clause.relation):
                yield caption, (replace(clause, relation=relation),), about


def _swap_obj(scene: Scene, phrases: Sequence[NounPhrase], rng: random.Random) -> Iterator[Candidate]:
    """Swap the two arguments of a relation: the same words in another order ("a blue circle left of a red square")."""
    for caption, about in _positives(scene, phrases, pairs=False):
        clause = caption[0]
        if clause.relation is not None and clause.subject.shape != clause.object.shape:
            yield caption, (Clause(clause.object, clause.relation, clause.subject),), about


def _swap_att(scene: Scene, phrases: Sequence[NounPhrase], rng: random.Random) -> Iterator[Candidate]:
    """Swap the colours (or sizes) of two objects of different shapes: the attributes bind to the wrong nouns."""
    for caption, about in _positives(scene, phrases, pairs=True):
        if len(about) != 2:
            continue
        clauses = list(caption)
        first, second = (clauses[0], "subject"), (clauses[-1], "object" if len(clauses) == 1 else "subject")
        a, b = getattr(*first), getattr(*second)
        if a.shape == b.shape:
            continue
        for attribute in ("color", "size"):
            if getattr(a, attribute) and getattr(b, attribute) and getattr(a, attribute) != getattr(b, attribute):
                new_a = replace(a, **{attribute: getattr(b, attribute)})
                new_b = replace(b, **{attribute: getattr(a, attribute)})
                if len(clauses) == 1:
                    negative = (replace(clauses[0], subject=new_a, object=new_b),)
                else:
                    negative = (Clause(new_a), Clause(new_b))
                yield caption, negative, about


def _add_obj(scene: Scene, phrases: Sequence[NounPhrase], rng: random.Random) -> Iterator[Candidate]:
    """Add a clause about an object whose shape is nowhere in the scene."""
    absent = [s for s in SHAPES if all(o.shape != s for o in scene.objects)]
    for caption, about in _positives(scene, phrases, pairs=False):
        for shape in absent:
            yield caption, (*caption, Clause(NounPhrase(shape, rng.choice(tuple(COLORS))))), about


def _add_att(scene: Scene, phrases: Sequence[NounPhrase], rng: random.Random) -> Iterator[Candidate]:
    """Leave an attribute out of one noun phrase of the caption and put a wrong one into the negative."""
    attributes = {"color": tuple(COLORS), "size": tuple(SIZES)}
    for full, about in _positives(scene, phrases, pairs=False):
        for k, clause in enumerate(full):
            for role in ("subject", "object"):
                np = getattr(clause, role)
                for attribute, values in attributes.items() if np is not None else ():
                    bare = replace(np, **{attribute: None})
                    caption = (*full[:k], replace(clause, **{role: bare}), *full[k + 1 :])
                    for value in values:  # the true value gives a true "negative", which make_item drops
                        negative = (
                            *full[:k],
                            replace(clause, **{role: replace(bare, **{attribute: value})}),
                            *full[k + 1 :],
                        )
                        yield caption, negative, about


BUILDERS: dict[str, Callable[[Scene, Sequence[NounPhrase], random.Random], Iterator[Candidate]]] = {
    "replace_obj": _replace_obj,
    "replace_att": _replace_att,
    "replace_rel": _replace_rel,
    "swap_obj": _swap_obj,
    "swap_att": _swap_att,
    "add_obj": _add_obj,
    "add_att": _add_att,
}


def _held_out_units(scene: Scene, config: WorldConfig) -> list[frozenset[int]]:
    """The objects (one, or a related pair) that show each held-out combination of the scene."""
    held_out, objects = config.held_out, scene.objects
    units = [frozenset({i}) for i, o in enumerate(objects) if held_out.hides_object(o)]
    units += [frozenset({i, j}) for i, r, j in scene.relations() if held_out.hides_relation(objects[i], r, objects[j])]
    return units


def make_item(
    category: str, scene: Scene, scene_index: int, config: WorldConfig, rng: random.Random
) -> BenchmarkItem | None:
    """One item of ``category`` for ``scene``, or None when the scene offers no false edit of that kind."""
    phrases = [NounPhrase.of(o, size=rng.random() < SIZE_IN_CAPTION_PROBABILITY) for o in scene.objects]
    candidates = [
        (caption, negative, about)
        for caption, negative, about in BUILDERS[category](scene, phrases, rng)
        if negative != caption
        and caption_is_true(caption, scene)
        and not caption_is_true(negative, scene)
        # "a yellow circle right of the yellow circle" would give itself away by its article
        and all(clause.subject != clause.object for clause in negative)
    ]
    units = _held_out_units(scene, config)
    focused = [c for c in candidates if any(unit <= c[2] for unit in units)]
    candidates = focused or candidates
    if not candidates:
        return None
    caption, negative, _ = rng.choice(candidates)
    wording = Wording.sample(rng, max(len(caption), len(negative)))
    caption_text, negative_text = render_caption(caption, wording), render_caption(negative, wording)
    if caption_text == negative_text:
        raise AssertionError(f"{category}: negative {negative} of {caption} reads the same as its caption")
    return BenchmarkItem(category, scene_index, caption_text, negative_text)


def benchmark_items(
    config: WorldConfig,
    n_per_category: int = 300,
    categories: Sequence[str] = CATEGORIES,
    split: str = "test",
    exclude: Collection[Scene] = frozenset(),
) -> tuple[dict[int, Scene], dict[str, list[BenchmarkItem]]]:
    """``n_per_category`` items per category from the scenes of ``split``, and the scenes they use by index.

    A scene serves each category at most once; each category has its own random stream, so asking for fewer
    categories leaves the items of the others unchanged. Scenes in ``exclude`` (the training scenes, for an
    in-distribution benchmark: on the lattice a one-object scene has only 640 forms) are skipped.
    """
    unknown = sorted(set(categories) - set(BUILDERS))
    if unknown:
        raise ValueError(f"unknown benchmark categories {unknown}; the shapes world offers {CATEGORIES}")
    if n_per_category < 1:
        raise ValueError(f"n_per_category must be positive, got {n_per_category}")
    rngs = {c: random.Random(f"shapes-benchmark/{config.seed}/{split}/{c}") for c in categories}
    items: dict[str, list[BenchmarkItem]] = {c: [] for c in categories}
    scenes: dict[int, Scene] = {}
    with tqdm(total=n_per_category * len(categories), desc="shapes benchmark", unit="item") as progress:
        for index, scene in enumerate(iter_scenes(config, split)):
            wanting = [c for c in categories if len(items[c]) < n_per_category]
            if not wanting:
                break
            if index >= MAX_SCENES_PER_ITEM * n_per_category:
                raise ValueError(f"the shapes world cannot fill categories {wanting} with {n_per_category} items")
            if scene in exclude:
                continue
            for category in wanting:
                item = make_item(category, scene, index, config, rngs[category])
                if item is not None:
                    items[category].append(item)
                    scenes[index] = scene
                    progress.update()
    return scenes, items


def write_shapes_benchmark(
    out_dir: str | Path,
    config: WorldConfig | None = None,
    *,
    n_per_category: int = 300,
    categories: Sequence[str] = CATEGORIES,
    split: str = "test",
    exclude: Collection[Scene] = frozenset(),
) -> dict[str, int]:
    """Write the benchmark as SugarCrepe files plus ``images/``, ``scenes.json`` and ``world.json``.

    Score it with the SugarCrepe reader, pointing the image root at ``out_dir / "images"``. Returns the
    number of items per category.
    """
    config = config or WorldConfig()
    out_dir = Path(out_dir)
    scenes, items = benchmark_items(config, n_per_category, categories, split, frozenset(exclude))
    images = out_dir / "images"
    images.mkdir(parents=True, exist_ok=True)
    filenames = {index: f"{scene_id(split, index)}.png" for index in scenes}
    for index, scene in scenes.items():
        render_scene(scene, config.image_size).save(images / filenames[index])
    for category, category_items in items.items():
        records = {
            str(k): {
                "filename": filenames[item.scene_index],
                "caption": item.caption,
                "negative_caption": item.negative_caption,
            }
            for k, item in enumerate(category_items)
        }
        (out_dir / f"{category}.json").write_text(json.dumps(records, indent=1))
    scene_graphs = {filenames[index]: scene.to_dict() for index, scene in sorted(scenes.items())}
    (out_dir / "scenes.json").write_text(json.dumps(scene_graphs))
    world = {
        "seed": config.seed,
        "image_size": config.image_size,
        "grid": config.grid,
        "jitter": config.jitter,
        "split": split,
        "excluded_scenes": len(exclude),
        "n_per_category": n_per_category,
        "held_out": config.held_out.describe(),
    }
    (out_dir / "world.json").write_text(json.dumps(world, indent=1))
    return {category: len(category_items) for category, category_items in items.items()}


def load_benchmark_scenes(directory: str | Path) -> dict[str, Scene]:
    """The scene graph of every benchmark image, by file name, from ``scenes.json``."""
    path = Path(directory) / "scenes.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found: is {directory} a shapes benchmark written by write_shapes_benchmark?"
        )
    return {filename: Scene.from_dict(graph) for filename, graph in json.loads(path.read_text()).items()}
