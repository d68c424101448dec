"""SugarCrepe (Hsieh et al., NeurIPS 2023): one positive and one hard negative caption per COCO val2017 image.

Seven files, one per category (replace/swap/add of objects, attributes, relations). The group scores are the
unweighted means of their categories, as in the paper; ``avg`` is the mean of the groups present.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from hf_compclip.evaluation.choice import ChoiceBenchmark, ChoiceItem, category_scores, require_images
from hf_compclip.evaluation.files import category_files, get_field, read_json, records_of, require_file
from hf_compclip.evaluation.images import ImageRef, ImageStore, folder_or_store
from hf_compclip.evaluation.metrics import grouped_means

SOURCE = "https://github.com/RAIVNLab/sugar-crepe/tree/main/data"
CATEGORY_GROUPS = {
    "replace_obj": "replace",
    "replace_att": "replace",
    "replace_rel": "replace",
    "swap_obj": "swap",
    "swap_att": "swap",
    "add_obj": "add",
    "add_att": "add",
}


def read_sugarcrepe_file(path: Path, category: str) -> list[ChoiceItem]:
    """Items of one official file: a JSON dict id -> {filename, caption, negative_caption}."""
    items = []
    for item_id, record in records_of(read_json(path), path):
        where = f"{path}, item {item_id}"
        items.append(
            ChoiceItem(
                image=ImageRef(get_field(record, "filename", where, str)),
                positives=(get_field(record, "caption", where, str),),
                negatives=(get_field(record, "negative_caption", where, str),),
                category=category,
                id=f"{category}/{item_id}",
            )
        )
    return items


def sugarcrepe_scores(items: Sequence[ChoiceItem], correct: Sequence[bool]) -> tuple[dict[str, float], dict[str, int]]:
    scores, counts = category_scores(items, correct)
    result = grouped_means(scores, CATEGORY_GROUPS)
    present_groups = dict.fromkeys(group for category, group in CATEGORY_GROUPS.items() if category in counts)
    group_counts = {
        group: sum(counts[c] for c, g in CATEGORY_GROUPS.items() if g == group and c in counts)
        for group in present_groups
    }
    return result, {**counts, **group_counts}


def load_sugarcrepe(
    data_root: str | Path,
    image_root: str | Path | None = None,
    *,
    categories: Iterable[str] | None = None,
    images: ImageStore | None = None,
    name: str = "sugarcrepe",
) -> ChoiceBenchmark:
    """SugarCrepe from ``data_root`` holding any of the seven official files (``replace_obj.json`` ...).

    Without ``categories``, every official file present is scored and absent ones are listed in the result's
    details; naming ``categories`` makes each of them required. Images are looked up by file name under
    ``image_root`` (COCO val2017 for the official benchmark), or in ``images`` when given.
    """
    data_root = Path(data_root)
    wanted = category_files(data_root, categories, list(CATEGORY_GROUPS), name, SOURCE)
    items = []
    for category in wanted:
        items += read_sugarcrepe_file(require_file(data_root / f"{category}.json", name, SOURCE), category)
    store = folder_or_store(image_root, images, name)
    require_images(items, store, name)
    missing = [c for c in CATEGORY_GROUPS if c not in wanted]
    return ChoiceBenchmark(name, items, store, sugarcrepe_scores, "avg", {"categories_missing": missing})
