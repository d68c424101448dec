"""Turning rows {image, caption, negatives, negative_mask} into the tensors of one CE-CLIP step."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import torch
from PIL import Image

REQUIRED_NEGATIVE_COLUMNS = ("negatives", "negative_mask")  # negative_types is optional: it only names slots


def load_image(value: Any, where: str) -> Image.Image:
    """An RGB PIL image from what a dataset row may hold: a PIL image, a path, or a datasets Image dict."""
    if isinstance(value, dict):
        value = value.get("path") if value.get("bytes") is None else BytesIO(value["bytes"])
    if isinstance(value, (str, Path)):
        try:
            with Image.open(value) as opened:
                return opened.convert("RGB")
        except (OSError, ValueError) as error:
            raise ValueError(f"{where}: cannot read image file {value!s}: {error}") from error
    if isinstance(value, Image.Image):
        return value.convert("RGB")
    raise TypeError(f"{where}: expected a PIL image, a path or a datasets Image dict, got {type(value).__name__}")


def check_columns(column_names: Sequence[str], *, needs_negatives: bool, dataset_name: str, image_column: str) -> None:
    """Fail before training starts when a column the loss needs is missing."""
    required = [image_column, "caption", *(REQUIRED_NEGATIVE_COLUMNS if needs_negatives else ())]
    missing = [name for name in required if name not in column_names]
    if missing:
        hint = (
            " Add hard negatives with hf_compclip.negatives.add_hard_negatives(dataset, generator), or train plain "
            "CLIP with itc_negatives='none', imc_weight=0, cmr_weight=0."
            if set(missing) & set(REQUIRED_NEGATIVE_COLUMNS)
            else ""
        )
        raise ValueError(
            f"{dataset_name} has no column {', '.join(map(repr, missing))} (its columns: {list(column_names)}).{hint}"
        )


@dataclass
class CompositionalCLIPCollator:
    """Collate rows for `CompositionalCLIPTrainer` with the model's processor.

    Captions and the *valid* negatives are tokenized together, padded to one length, so that the trainer can
    run them through the text encoder in the same forward call as the images; invalid negative slots are never
    tokenized, so no compute is spent on placeholders. ``negative_mask`` tells the loss where the valid ones go.

    Args:
        processor: a `CLIPProcessor` (anything with ``tokenizer`` and ``image_processor``).
        max_length: token length to truncate to (CLIP: 77).
        with_negatives: False for plain CLIP training, where negative columns may be absent.
        image_column: the column holding the image (a PIL image, a path or a datasets Image dict).
        image_transform: applied to each PIL image before the processor (e.g. training augmentation).
    """

    processor: Any
    max_length: int = 77
    with_negatives: bool = True
    image_column: str = "image"
    image_transform: Callable[[Image.Image], Image.Image] | None = None

    def __call__(self, rows: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        captions, images, negatives, mask = [], [], [], []
        for position, row in enumerate(rows):
            where = f"batch row {position} (caption {str(row.get('caption'))[:60]!r})"
            caption = row.get("caption")
            if not isinstance(caption, str) or not caption.strip():
                raise ValueError(f"{where}: the caption is empty or missing")
            captions.append(caption)
            image = load_image(row.get(self.image_column), where)
            images.append(self.image_transform(image) if self.image_transform else image)
            if self.with_negatives:
                row_negatives, row_mask = self._negatives_of(row, where)
                if mask and len(row_mask) != len(mask[0]):
                    raise ValueError(
                        f"{where} has {len(row_mask)} negatives but batch row 0 has {len(mask[0])}: every row needs "
                        "the same number of typed slots (mark missing ones invalid in negative_mask)"
                    )
                negatives.extend(text for text, valid in zip(row_negatives, row_mask, strict=True) if valid)
                mask.append(row_mask)
        tokens = self.processor.tokenizer(
            captions + negatives, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        )
        batch = {
            "pixel_values": self.processor.image_processor(images, return_tensors="pt")["pixel_values"],
            "input_ids": tokens["input_ids"][: len(captions)],
            "attention_mask": tokens["attention_mask"][: len(captions)],
        }
        if self.with_negatives:
            batch["negative_input_ids"] = tokens["input_ids"][len(captions) :]
            batch["negative_attention_mask"] = tokens["attention_mask"][len(captions) :]
            batch["negative_mask"] = torch.tensor(mask, dtype=torch.bool)
        return batch

    @staticmethod
    def _negatives_of(row: dict[str, Any], where: str) -> tuple[list[str], list[bool]]:
        for column in REQUIRED_NEGATIVE_COLUMNS:
            if row.get(column) is None:
                raise ValueError(f"{where} has no {column!r} field; add hard negatives or train with plain CLIP loss")
        row_negatives, row_mask = list(row["negatives"]), [bool(v) for v in row["negative_mask"]]
        if len(row_negatives) != len(row_mask):
            raise ValueError(f"{where}: {len(row_negatives)} negatives but {len(row_mask)} negative_mask entries")
        for text, valid in zip(row_negatives, row_mask, strict=True):
            if valid and not (isinstance(text, str) and text.strip()):
                raise ValueError(f"{where}: a negative marked valid is empty")
        return row_negatives, row_mask
