"""NegCLIP's released hard negatives (the ARO release's COCO TSV), read into the common schema.

The TSV has an unnamed index column, then ``title`` (the caption), ``filepath``, ``neg_caption`` (a Python
list literal of swapped captions, one to five of them) and ``neg_image`` (indices of nearest-neighbour
images). NegCLIP's negatives are all phrase swaps, so its slots carry no type beyond their position.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import sys
from pathlib import Path
from typing import Any

from .schema import NegativeGenerator, make_row

NEGCLIP_COLUMNS = ("title", "filepath", "neg_caption", "neg_image")


def read_negclip_tsv(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a NegCLIP TSV as ``{"caption", "filepath", "negatives", "neg_image"}`` dicts, in file order."""
    path = Path(path)
    csv.field_size_limit(sys.maxsize)
    records = []
    with path.open(encoding="utf-8", newline="") as handle:
        # Written by pandas: fields with quotes or line breaks are CSV-quoted, so a record may span lines.
        reader = csv.reader(handle, delimiter="\t")
        header = next(reader, None)
        if header is None:
            raise ValueError(f"{path}: empty file, expected a NegCLIP TSV with columns {list(NEGCLIP_COLUMNS)}")
        missing = [name for name in NEGCLIP_COLUMNS if name not in header]
        if missing:
            raise ValueError(f"{path}: missing columns {missing} (found {header}); is this a NegCLIP TSV?")
        position = {name: header.index(name) for name in NEGCLIP_COLUMNS}
        for fields in reader:
            line_number = reader.line_num
            if len(fields) != len(header):
                raise ValueError(f"{path}, line {line_number}: {len(fields)} fields, expected {len(header)}")
            negatives = _literal_list(fields[position["neg_caption"]], path, line_number, "neg_caption")
            images = _literal_list(fields[position["neg_image"]], path, line_number, "neg_image")
            records.append(
                {
                    "caption": fields[position["title"]],
                    "filepath": fields[position["filepath"]],
                    "negatives": [str(text) for text in negatives],
                    "neg_image": [int(index) for index in images],
                }
            )
    return records


def _literal_list(text: str, path: Path, line_number: int, column: str) -> list:
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError) as error:
        raise ValueError(
            f"{path}, line {line_number}, column {column}: not a Python list literal ({error})"
        ) from error
    if not isinstance(value, list):
        raise ValueError(f"{path}, line {line_number}, column {column}: expected a list, got {type(value).__name__}")
    return value


def negclip_slot_names(num_slots: int) -> tuple[str, ...]:
    return tuple(f"negclip_{index + 1}" for index in range(num_slots))


class NegClipGenerator(NegativeGenerator):
    """Looks captions up in a NegCLIP TSV; a caption that the file does not cover gets masked slots.

    Args:
        path (`str` or `Path`): the NegCLIP TSV (e.g. ``valid_neg_clip.tsv`` or ``train_neg_clip.tsv``).
        num_slots (`int`, *optional*, defaults to 5): K; the release has at most five negatives per caption,
            extra ones are dropped and missing ones masked.
    """

    name = "negclip"
    version = "1"

    def __init__(self, path: str | Path, num_slots: int = 5) -> None:
        if int(num_slots) < 1:
            raise ValueError(f"num_slots must be at least 1, got {num_slots}")
        self.path = Path(path)
        self.num_slots = int(num_slots)
        self._sha256 = hashlib.sha256(self.path.read_bytes()).hexdigest()
        self._table: dict[str, list[str]] = {}
        for record in read_negclip_tsv(self.path):
            self._table.setdefault(record["caption"].strip(), record["negatives"])

    @property
    def negative_types(self) -> tuple[str, ...]:
        return negclip_slot_names(self.num_slots)

    def config(self) -> dict[str, Any]:
        return {"file_sha256": self._sha256, "num_slots": self.num_slots}

    def generate(self, captions: list[str]) -> list[dict[str, list]]:
        rows = []
        for caption in captions:
            negatives = self._table.get(caption.strip(), [])[: self.num_slots]
            rows.append(make_row(self.negative_types, negatives + [None] * (self.num_slots - len(negatives))))
        return rows


def negclip_dataset(path: str | Path, num_slots: int = 5):
    """A ``datasets.Dataset`` of a NegCLIP TSV: caption, filepath, neg_image and the schema columns."""
    from datasets import Dataset

    generator = NegClipGenerator(path, num_slots=num_slots)
    records = read_negclip_tsv(path)
    rows = generator([record["caption"] for record in records])
    columns: dict[str, list] = {
        "caption": [record["caption"] for record in records],
        "filepath": [record["filepath"] for record in records],
        "neg_image": [record["neg_image"] for record in records],
    }
    for name in rows[0] if rows else ():
        columns[name] = [row[name] for row in rows]
    return Dataset.from_dict(columns)
