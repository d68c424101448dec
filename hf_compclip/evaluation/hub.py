"""Multiple-choice benchmarks from Hugging Face-hosted copies, for users who would rather not unpack files.

The official files stay the reference: hosted copies are conversions whose column names vary, so the column
names are arguments and a wrong guess fails with the list of columns the copy has.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from hf_compclip.evaluation.choice import ChoiceBenchmark, ChoiceItem
from hf_compclip.evaluation.images import DatasetImages, ImageRef
from hf_compclip.evaluation.sugarcrepe import CATEGORY_GROUPS, sugarcrepe_scores

SUGARCREPE_HUB_TEMPLATE = "HuggingFaceM4/SugarCrepe_{category}"


def choice_items_from_dataset(
    dataset: Any,
    *,
    positive_columns: Sequence[str],
    negative_columns: Sequence[str],
    category: str,
    image_column: str = "image",
    key_prefix: str = "",
) -> list[ChoiceItem]:
    """One :class:`ChoiceItem` per row; images stay in the dataset and are read through :class:`DatasetImages`."""
    missing = [c for c in (image_column, *positive_columns, *negative_columns) if c not in dataset.column_names]
    if missing:
        raise ValueError(f"{category}: dataset has no column(s) {missing}; its columns are {dataset.column_names}")
    texts = dataset.select_columns([*positive_columns, *negative_columns])
    items = []
    for index, row in enumerate(texts):
        items.append(
            ChoiceItem(
                image=ImageRef(f"{key_prefix}{index}"),
                positives=tuple(str(row[c]) for c in positive_columns),
                negatives=tuple(str(row[c]) for c in negative_columns),
                category=category,
                id=f"{category}/{index}",
            )
        )
    return items


class _PrefixedDatasets:
    """Several datasets behind one store: key ``"<category>:<row>"``."""

    def __init__(self, stores: dict[str, DatasetImages]) -> None:
        self.stores = stores

    def _split(self, key: str) -> tuple[DatasetImages, str]:
        category, _, row = key.rpartition(":")
        return self.stores[category], row

    def exists(self, key: str) -> bool:
        category, _, row = key.rpartition(":")
        return category in self.stores and self.stores[category].exists(row)

    def open(self, key: str):
        store, row = self._split(key)
        return store.open(row)

    def describe(self, key: str) -> str:
        store, row = self._split(key)
        return store.describe(row)


def sugarcrepe_from_datasets(
    datasets_by_category: dict[str, Any],
    *,
    image_column: str = "image",
    caption_column: str = "caption",
    negative_column: str = "negative_caption",
    name: str = "sugarcrepe",
) -> ChoiceBenchmark:
    """SugarCrepe from one ``datasets.Dataset`` per category (already loaded, e.g. from the Hub)."""
    unknown = sorted(set(datasets_by_category) - set(CATEGORY_GROUPS))
    if unknown:
        raise ValueError(f"{name}: unknown categories {unknown}; choose from {list(CATEGORY_GROUPS)}")
    items, stores = [], {}
    for category, dataset in datasets_by_category.items():
        stores[category] = DatasetImages(dataset, image_column)
        items += choice_items_from_dataset(
            dataset,
            positive_columns=[caption_column],
            negative_columns=[negative_column],
            category=category,
            image_column=image_column,
            key_prefix=f"{category}:",
        )
    missing = [c for c in CATEGORY_GROUPS if c not in datasets_by_category]
    return ChoiceBenchmark(
        name, items, _PrefixedDatasets(stores), sugarcrepe_scores, "avg", {"categories_missing": missing}
    )


def load_sugarcrepe_from_hub(
    categories: Iterable[str] = tuple(CATEGORY_GROUPS),
    *,
    repo_template: str = SUGARCREPE_HUB_TEMPLATE,
    split: str = "test",
    image_column: str = "image",
    caption_column: str = "caption",
    negative_column: str = "negative_caption",
    **load_kwargs: Any,
) -> ChoiceBenchmark:
    """SugarCrepe from Hub copies, one repository per category (``repo_template`` formatted with the category)."""
    from datasets import load_dataset

    loaded = {c: load_dataset(repo_template.format(category=c), split=split, **load_kwargs) for c in categories}
    return sugarcrepe_from_datasets(
        loaded, image_column=image_column, caption_column=caption_column, negative_column=negative_column
    )
