"""VL-CheckList (Zhao et al., 2022): image-text matching probes for objects, attributes and relations.

The nine columns compositional papers report (CE-CLIP's Table 2 among them) are Object location and size,
Attribute action, color, material, size and state, Relation action and spatial. Each column pools the files of
its corpora (VG, VAW, HAKE, SWiG); an item is correct when its first positive text beats its first negative
text, the comparison CE-CLIP's evaluation made. ``object``, ``attribute`` and ``relation`` are the unweighted
means of their columns, ``avg`` the mean of the three. Items whose image is missing are skipped and counted:
the corpora are large and partly unavailable, so the count tells how comparable a score is.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hf_compclip.evaluation.choice import ChoiceBenchmark, ChoiceItem, category_scores
from hf_compclip.evaluation.files import read_json
from hf_compclip.evaluation.images import ImageRef, ImageStore, SubfolderImages, folder_or_store
from hf_compclip.evaluation.metrics import grouped_means

SOURCE = "https://github.com/om-ai-lab/VL-CheckList (the data/ folder; images per DATASETS.md)"
COLUMNS = {
    "object_location": "object",
    "object_size": "object",
    "attribute_action": "attribute",
    "attribute_color": "attribute",
    "attribute_material": "attribute",
    "attribute_size": "attribute",
    "attribute_state": "attribute",
    "relation_action": "relation",
    "relation_spatial": "relation",
}
_CORPUS_FOLDERS = {"hake": "hake", "swig": "swig", "vg": "vg", "vaw": "vg"}


def column_of(relative: Path) -> str | None:
    """The column a file under VL-CheckList's ``data/`` belongs to, from its path (None when not one of nine)."""
    parts = [part.lower() for part in relative.parts]
    stem = relative.stem.lower()
    if parts[0] == "object" and len(parts) > 1 and parts[1] in ("location", "size"):
        return f"object_{parts[1]}"
    if parts[0] in ("attribute", "relation") and stem == "spatial":
        return "relation_spatial"  # VL-CheckList's own corpus files VG spatial relations under Attribute/vg/
    if parts[0] in ("attribute", "relation") and f"{parts[0]}_{stem}" in COLUMNS:
        return f"{parts[0]}_{stem}"
    return None


def corpus_folder(relative: Path) -> str:
    """The image folder (``hake``, ``swig`` or ``vg``) of the corpus a file was built from."""
    for part in relative.with_suffix("").parts[1:]:
        prefix = part.lower().split("_")[0]
        if prefix in _CORPUS_FOLDERS:
            return _CORPUS_FOLDERS[prefix]
    return ""


def read_vl_checklist_file(path: Path, column: str, folder: str) -> list[ChoiceItem]:
    """Items of one file: a JSON list of ``[image_path, {"POS": [...], "NEG": [...]}]``."""
    data = read_json(path)
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list of [image_path, {{POS, NEG}}] pairs")
    items = []
    for index, entry in enumerate(data):
        where = f"{path}, item {index}"
        if not (
            isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str) and isinstance(entry[1], dict)
        ):
            raise ValueError(f"{where}: expected [image_path, {{'POS': [...], 'NEG': [...]}}], got {entry!r:.120}")
        texts = entry[1]
        for field in ("POS", "NEG"):
            if not (isinstance(texts.get(field), list) and texts[field] and isinstance(texts[field][0], str)):
                raise ValueError(f"{where}: field {field!r} should be a non-empty list of texts")
        item_id = f"{path.name}/{index}"
        image = ImageRef(SubfolderImages.key(folder, entry[0]))
        items.append(ChoiceItem(image, (texts["POS"][0],), (texts["NEG"][0],), column, item_id))
    return items


def vl_checklist_scores(items: Sequence[ChoiceItem], correct: Sequence[bool]) -> tuple[dict, dict]:
    scores, counts = category_scores(items, correct)
    return grouped_means(scores, COLUMNS), counts


def load_vl_checklist(
    data_root: str | Path,
    image_root: str | Path | None = None,
    *,
    images: ImageStore | None = None,
    name: str = "vl_checklist",
) -> ChoiceBenchmark:
    """VL-CheckList from its ``data/`` folder (``Attribute/vaw/color.json``, ``Object/Location/...`` ...).

    Images are looked up under ``image_root`` directly or in its ``hake/``, ``swig/`` or ``vg/`` folder.
    """
    data_root = Path(data_root)
    files = sorted(data_root.rglob("*.json"))
    items, ignored = [], []
    for path in files:
        relative = path.relative_to(data_root)
        column = column_of(relative)
        if column is None:
            ignored.append(str(relative))
            continue
        items += read_vl_checklist_file(path, column, corpus_folder(relative))
    if not items:
        raise FileNotFoundError(f"{name}: no file of the nine columns under {data_root}; see {SOURCE}")
    store = SubfolderImages(folder_or_store(image_root, images, name))
    present, missing = [], {}
    for item in items:
        if store.exists(item.image.key):
            present.append(item)
        else:
            missing[item.category] = missing.get(item.category, 0) + 1
    details = {"missing_images": len(items) - len(present), "missing_images_per_column": missing}
    details["files_ignored"] = ignored
    if not present:
        raise FileNotFoundError(f"{name}: none of the {len(items)} images was found under {image_root}")
    return ChoiceBenchmark(name, present, store, vl_checklist_scores, "avg", details)
