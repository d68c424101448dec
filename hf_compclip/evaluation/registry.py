"""Benchmark names, where each one's files are looked for, and the loader that reads them.

One ``data_root`` (and ``image_root``) can serve several benchmarks: a benchmark reads ``<root>/<name>/`` when
that folder exists (``aro_relation`` and ``aro_attribution`` also try ``<root>/aro/``), else ``<root>`` itself.
A mapping from benchmark name to folder overrides this per benchmark.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

from hf_compclip.evaluation.aro import load_vg_attribution, load_vg_relation
from hf_compclip.evaluation.order import load_order
from hf_compclip.evaluation.results import BenchmarkResult
from hf_compclip.evaluation.retrieval import load_retrieval
from hf_compclip.evaluation.scorer import EmbeddingScorer
from hf_compclip.evaluation.sugarcrepe import load_sugarcrepe
from hf_compclip.evaluation.sugarcrepe_pp import load_sugarcrepe_pp
from hf_compclip.evaluation.valse import load_valse
from hf_compclip.evaluation.vl_checklist import load_vl_checklist
from hf_compclip.evaluation.winoground import load_winoground
from hf_compclip.evaluation.zeroshot import load_image_folder


class Benchmark(Protocol):
    """A loaded benchmark: ``run`` scores one model through an :class:`EmbeddingScorer`."""

    name: str
    primary: str

    def run(self, scorer: EmbeddingScorer) -> BenchmarkResult: ...


Root = str | Path | Mapping[str, str | Path] | None
Loader = Callable[[Path | None, Path | None, dict[str, Any]], Benchmark]

_LOADERS: dict[str, Loader] = {
    "sugarcrepe": lambda data, images, opts: load_sugarcrepe(_need(data, "sugarcrepe"), images, **opts),
    "sugarcrepe_pp": lambda data, images, opts: load_sugarcrepe_pp(_need(data, "sugarcrepe_pp"), images, **opts),
    "aro_relation": lambda data, images, opts: load_vg_relation(_need(data, "aro_relation"), images, **opts),
    "aro_attribution": lambda data, images, opts: load_vg_attribution(_need(data, "aro_attribution"), images, **opts),
    "coco_order": lambda data, images, opts: load_order("coco_order", _need(data, "coco_order"), images, **opts),
    "flickr30k_order": lambda data, images, opts: load_order(
        "flickr30k_order", _need(data, "flickr30k_order"), images, **opts
    ),
    "valse": lambda data, images, opts: load_valse(_need(data, "valse"), images, **opts),
    "vl_checklist": lambda data, images, opts: load_vl_checklist(_need(data, "vl_checklist"), images, **opts),
    "winoground": lambda data, images, opts: load_winoground(_need(data, "winoground"), images, **opts),
    "coco_retrieval": lambda data, images, opts: load_retrieval(
        "coco_retrieval", _need(data, "coco_retrieval"), images
    ),
    "flickr30k_retrieval": lambda data, images, opts: load_retrieval(
        "flickr30k_retrieval", _need(data, "flickr30k_retrieval"), images
    ),
    "zeroshot": lambda data, images, opts: load_image_folder(_need(images, "zeroshot (image folder)"), **opts),
}
ALIASES = {"aro": ("aro_relation", "aro_attribution")}
BENCHMARKS = tuple(_LOADERS)
_FOLDER_ALIASES = {"aro_relation": "aro", "aro_attribution": "aro"}


def _need(root: Path | None, name: str) -> Path:
    if root is None:
        raise ValueError(f"{name}: no root folder given for its files")
    return root


def expand_names(names: Iterable[str] | str) -> list[str]:
    """Benchmark names from a list or a comma-separated string, aliases (``aro``) expanded, order kept."""
    if isinstance(names, str):
        names = [name.strip() for name in names.split(",") if name.strip()]
    expanded: list[str] = []
    for name in names:
        for member in ALIASES.get(name, (name,)):
            if member not in _LOADERS:
                raise ValueError(f"unknown benchmark {name!r}; choose from {sorted([*_LOADERS, *ALIASES])}")
            if member not in expanded:
                expanded.append(member)
    return expanded


def root_for(root: Root, name: str) -> Path | None:
    """The folder ``name`` reads from: a mapping entry, ``<root>/<name>`` if it exists, else ``root``."""
    if root is None:
        return None
    if isinstance(root, Mapping):
        chosen = root.get(name, root.get(_FOLDER_ALIASES.get(name, name)))
        return None if chosen is None else Path(chosen)
    root = Path(root)
    for folder in (name, _FOLDER_ALIASES.get(name)):
        if folder and (root / folder).is_dir():
            return root / folder
    return root


def load_benchmarks(
    names: Iterable[str] | str,
    data_root: Root = None,
    image_root: Root = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Benchmark]:
    """Load (read and validate) the named benchmarks; ``options[name]`` goes to that benchmark's loader."""
    options = options or {}
    return [
        _LOADERS[name](root_for(data_root, name), root_for(image_root, name), dict(options.get(name, {})))
        for name in expand_names(names)
    ]
