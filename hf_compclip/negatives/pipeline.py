"""Running a generator over a ``datasets.Dataset`` with a cache that survives restarts.

``datasets`` reuses a ``.map`` result only when the dataset is file-backed and the new fingerprint is the
same as last time. It hashes the mapped function to get that fingerprint, which fails for a generator holding
a spaCy pipeline or a model (it then falls back to a random fingerprint and never hits the cache). The
fingerprint here is made from the input dataset's fingerprint and the generator's own versioned fingerprint
instead: rerunning the same configuration loads the cache files, changing it recomputes.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from .schema import NEGATIVE_COLUMNS, NegativeGenerator, negative_features

if TYPE_CHECKING:
    from datasets import Dataset


class _NegativeColumns:
    """The batched ``.map`` function: the caption column in, the three schema columns out."""

    def __init__(self, generator: NegativeGenerator, caption_column: str) -> None:
        self.generator = generator
        self.caption_column = caption_column

    def __call__(self, batch: dict[str, list], indices: list[int]) -> dict[str, list]:
        """``indices`` are the dataset's row numbers (``with_indices=True``), so an error points at the row."""
        captions = batch[self.caption_column]
        for index, caption in zip(indices, captions, strict=True):
            if not isinstance(caption, str):
                raise TypeError(
                    f"column {self.caption_column!r}: row {index} is {type(caption).__name__} ({caption!r}), "
                    "expected a string caption"
                )
        rows = self.generator(captions)
        return {name: [row[name] for row in rows] for name in NEGATIVE_COLUMNS}


def add_hard_negatives(
    dataset: Dataset,
    generator: NegativeGenerator,
    caption_column: str = "caption",
    num_proc: int | None = None,
    batch_size: int = 1000,
    load_from_cache_file: bool | None = None,
    **map_kwargs: Any,
) -> Dataset:
    """``dataset`` with ``negatives``, ``negative_types`` and ``negative_mask`` columns from ``generator``.

    Args:
        dataset (`datasets.Dataset`): needs a string column ``caption_column``; cached only when file-backed
            (loaded from files or saved with ``save_to_disk``), as everywhere in ``datasets``.
        generator (`NegativeGenerator`): e.g. ``load_generator("rules")``.
        num_proc (`int`, *optional*): worker processes; the output does not depend on it.
        batch_size (`int`, *optional*, defaults to 1000): captions per generator call.
        load_from_cache_file (`bool`, *optional*): passed to ``Dataset.map``.
        map_kwargs: any other ``Dataset.map`` argument (``cache_file_name``, ``writer_batch_size``...).
    """
    if caption_column not in dataset.column_names:
        raise KeyError(f"no column {caption_column!r} in the dataset (columns: {dataset.column_names})")
    clashes = [name for name in NEGATIVE_COLUMNS if name in dataset.column_names]
    if clashes:
        raise ValueError(f"the dataset already has columns {clashes}; remove them before adding new negatives")
    identity = f"{dataset._fingerprint}|{generator.fingerprint}|{caption_column}"
    features = dataset.features.copy()
    features.update(negative_features())
    return dataset.map(
        _NegativeColumns(generator, caption_column),
        batched=True,
        with_indices=True,
        batch_size=batch_size,
        num_proc=num_proc,
        features=features,
        new_fingerprint=hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32],
        load_from_cache_file=load_from_cache_file,
        desc=f"Hard negatives ({generator.name})",
        **map_kwargs,
    )
