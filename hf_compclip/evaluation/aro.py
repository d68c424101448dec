"""ARO's Visual Genome tests (Yuksekgonul et al., ICLR 2023): VG-Relation and VG-Attribution.

Each item crops a Visual Genome image to the box around the two objects and asks whether the true caption beats
the one with the objects (relation) or attributes (attribution) swapped. The published figures are macro means:
over relations after dropping the symmetric ones (where the swapped caption is also true), and over attribute
pairs seen at least 25 times. Pooled (micro) accuracies are reported beside them, named ``micro``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from importlib import resources
from pathlib import Path

from hf_compclip.evaluation.choice import ChoiceBenchmark, ChoiceItem, require_images
from hf_compclip.evaluation.files import get_field, read_json, records_of, require_file
from hf_compclip.evaluation.images import ImageRef, ImageStore, folder_or_store
from hf_compclip.evaluation.metrics import accuracy, group_accuracies, macro_mean

SOURCE = "https://github.com/mertyg/vision-language-models-are-bows (visual_genome_relation.json, "
SOURCE += "visual_genome_attribution.json and the vgr_vga_images archive)"
RELATION_FILE = "visual_genome_relation.json"
ATTRIBUTION_FILE = "visual_genome_attribution.json"
MIN_ATTRIBUTE_GROUP = 25


def symmetric_relations() -> frozenset[str]:
    """The 157 relation names ARO excludes before its VG-Relation macro mean (shipped with the package)."""
    text = resources.files("hf_compclip.evaluation").joinpath("data/aro_symmetric_relations.json").read_text()
    return frozenset(json.loads(text))


def _read_items(path: Path, group_of: Callable[[dict, str], str]) -> list[ChoiceItem]:
    items = []
    for item_id, record in records_of(read_json(path), path):
        where = f"{path}, item {item_id}"
        box = tuple(float(get_field(record, f"bbox_{k}", where, (int, float))) for k in "xywh")
        items.append(
            ChoiceItem(
                image=ImageRef(get_field(record, "image_path", where, str), box),
                positives=(get_field(record, "true_caption", where, str),),
                negatives=(get_field(record, "false_caption", where, str),),
                category=group_of(record, where),
                id=item_id,
            )
        )
    return items


def _relation(record: dict, where: str) -> str:
    return get_field(record, "relation_name", where, str)


def _attribute_pair(record: dict, where: str) -> str:
    attributes = get_field(record, "attributes", where, list)
    if len(attributes) != 2:
        raise ValueError(f"{where}: field 'attributes' should hold two attributes, got {attributes!r}")
    return f"{attributes[0]}_{attributes[1]}"


def _macro_and_micro(min_group: int) -> Callable[[Sequence[ChoiceItem], Sequence[bool]], tuple[dict, dict]]:
    def summarize(items: Sequence[ChoiceItem], correct: Sequence[bool]) -> tuple[dict, dict]:
        per_group, counts = group_accuracies((item.category for item in items), correct, min_count=min_group)
        if not per_group:
            raise ValueError(f"no group has the {min_group} items the macro mean needs")
        scores = {"macro": macro_mean(per_group), "micro": accuracy(correct)}
        return scores, {"macro": sum(counts.values()), "micro": len(items)}

    return summarize


def _group_details(items: Sequence[ChoiceItem]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for item in items:
        sizes[item.category] = sizes.get(item.category, 0) + 1
    return dict(sorted(sizes.items()))


def load_vg_relation(
    data_root: str | Path,
    image_root: str | Path | None = None,
    *,
    images: ImageStore | None = None,
    excluded_relations: Iterable[str] | None = None,
    name: str = "aro_relation",
) -> ChoiceBenchmark:
    """VG-Relation from ``data_root/visual_genome_relation.json``; image paths are relative to ``image_root``.

    ``excluded_relations`` defaults to ARO's 157 symmetric relations; pass an empty list to keep all.
    """
    path = require_file(Path(data_root) / RELATION_FILE, name, SOURCE)
    excluded = symmetric_relations() if excluded_relations is None else frozenset(excluded_relations)
    every = _read_items(path, _relation)
    items = [item for item in every if item.category not in excluded]
    store = folder_or_store(image_root, images, name)
    require_images(items, store, name)
    details = {"excluded_relations": len(excluded), "items_dropped": len(every) - len(items)}
    details["group_sizes"] = _group_details(items)
    return ChoiceBenchmark(name, items, store, _macro_and_micro(1), "macro", details)


def load_vg_attribution(
    data_root: str | Path,
    image_root: str | Path | None = None,
    *,
    images: ImageStore | None = None,
    min_group: int = MIN_ATTRIBUTE_GROUP,
    name: str = "aro_attribution",
) -> ChoiceBenchmark:
    """VG-Attribution from ``data_root/visual_genome_attribution.json``: macro over "a1_a2" groups of >= 25."""
    path = require_file(Path(data_root) / ATTRIBUTION_FILE, name, SOURCE)
    items = _read_items(path, _attribute_pair)
    store = folder_or_store(image_root, images, name)
    require_images(items, store, name)
    sizes = _group_details(items)
    details = {"min_group": min_group, "groups_kept": sum(size >= min_group for size in sizes.values())}
    details["groups_total"] = len(sizes)
    return ChoiceBenchmark(name, items, store, _macro_and_micro(min_group), "macro", details)
