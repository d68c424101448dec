"""Reading captions from the file formats people have them in, one record per caption.

Every reader returns ``{"caption": str, "image": str | None}`` records, so that the quality report can keep
the five captions of an image in one cross-validation fold (they share words; splitting them would let a
judge memorise a caption it is tested on).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .negclip import read_negclip_tsv

FORMATS_HELP = (
    "a JSON list of strings, a JSON list of records with a caption field (a string or, as in Karpathy files, "
    "a list of strings), a COCO caption annotation file ({'annotations': [{'image_id', 'caption'}]}), JSON "
    "lines, a NegCLIP TSV, or a text file with one caption per line"
)


def read_captions(path: str | Path, caption_field: str = "caption") -> list[dict[str, Any]]:
    """Caption records from ``path``; the format is told from the suffix and the JSON structure."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".tsv":
        return [{"caption": record["caption"], "image": record["filepath"]} for record in read_negclip_tsv(path)]
    text = path.read_text(encoding="utf-8")
    if suffix == ".jsonl":
        items = []
        for line_number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    items.append(json.loads(line))
                except json.JSONDecodeError as error:
                    raise ValueError(f"{path}, line {line_number}: not valid JSON ({error})") from error
        return _from_items(items, path, caption_field)
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}: not valid JSON ({error})") from error
        if isinstance(data, dict) and "annotations" in data:
            return _from_coco(data["annotations"], path)
        if isinstance(data, list):
            return _from_items(data, path, caption_field)
        raise ValueError(f"{path}: unsupported JSON structure; expected {FORMATS_HELP}")
    return [{"caption": line.strip(), "image": None} for line in text.splitlines() if line.strip()]


def _from_coco(annotations: Any, path: Path) -> list[dict[str, Any]]:
    if not isinstance(annotations, list):
        raise ValueError(f"{path}: 'annotations' must be a list of {{'image_id', 'caption'}} records")
    records = []
    for index, annotation in enumerate(annotations):
        if not isinstance(annotation, dict) or not isinstance(annotation.get("caption"), str):
            raise ValueError(f"{path}, annotation {index}: expected a record with a string 'caption'")
        records.append({"caption": annotation["caption"], "image": str(annotation.get("image_id"))})
    return records


def _from_items(items: list, path: Path, caption_field: str) -> list[dict[str, Any]]:
    records = []
    for index, item in enumerate(items):
        if isinstance(item, str):
            records.append({"caption": item, "image": None})
            continue
        if not isinstance(item, dict) or caption_field not in item:
            raise ValueError(f"{path}, item {index}: expected a string or a record with a {caption_field!r} field")
        value = item[caption_field]
        image = item.get("image", item.get("image_id", item.get("filepath")))
        image = None if image is None else str(image)
        captions = value if isinstance(value, list) else [value]
        for caption in captions:
            if not isinstance(caption, str):
                raise ValueError(f"{path}, item {index}, field {caption_field!r}: expected text, got {caption!r}")
            records.append({"caption": caption, "image": image})
    return records
