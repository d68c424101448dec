"""Reading benchmark files with errors that say which file, which record and where to get the official copy."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any


def require_file(path: str | Path, benchmark: str, published_at: str) -> Path:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{benchmark}: file {path} not found. The official copy is published at {published_at}; "
            f"place it under that name in the data root."
        )
    return path


def read_json(path: str | Path) -> Any:
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as handle:
            return json.load(handle)
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON: {error}") from None


def read_jsonl(path: str | Path) -> list[Any]:
    path = Path(path)
    records = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}, line {number}: not valid JSON: {error}") from None
    return records


def get_field(record: Any, name: str, where: str, kind: type | tuple[type, ...] = object) -> Any:
    """``record[name]``, or a ValueError naming the file and record when it is missing or of the wrong type."""
    if not isinstance(record, Mapping):
        raise ValueError(f"{where}: expected an object with field {name!r}, got {type(record).__name__}")
    if name not in record:
        raise ValueError(f"{where}: missing field {name!r} (fields present: {sorted(record)})")
    value = record[name]
    if not isinstance(value, kind):
        expected = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ValueError(f"{where}: field {name!r} should be {expected}, got {type(value).__name__}")
    return value


def records_of(data: Any, path: Path) -> list[tuple[str, Any]]:
    """(id, record) pairs from a JSON dict keyed by id or a JSON list (ids are then list positions)."""
    if isinstance(data, Mapping):
        return [(str(key), value) for key, value in data.items()]
    if isinstance(data, list):
        return [(str(index), value) for index, value in enumerate(data)]
    raise ValueError(f"{path}: expected a JSON object or list of items, got {type(data).__name__}")


def category_files(
    data_root: Path, categories: Iterable[str] | None, known: Sequence[str], benchmark: str, published_at: str
) -> list[str]:
    """The categories to score: the given ones (each must be known), or every ``<category>.json`` present."""
    if categories is None:
        wanted = [c for c in known if (data_root / f"{c}.json").is_file()]
        if not wanted:
            expected = ", ".join(f"{c}.json" for c in known)
            raise FileNotFoundError(
                f"{benchmark}: none of the official files ({expected}) is in {data_root}; see {published_at}"
            )
        return wanted
    wanted = list(categories)
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        raise ValueError(f"{benchmark}: unknown categories {unknown}; choose from {list(known)}")
    return wanted
