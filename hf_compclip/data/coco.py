"""COCO captions as ``datasets`` rows ``{"image": path, "caption", "image_id"}``.

Three annotation layouts are read, told apart by their shape:

- ``"coco"``: the official ``captions_train2014.json`` (``images`` with ``id``/``file_name``, ``annotations`` with
  ``image_id``/``caption``); file names are relative to the split's image folder (``train2014/``).
- ``"karpathy"``: Karpathy's ``dataset_coco.json`` (``images`` with ``filepath``, ``filename``, ``split`` and
  ``sentences``); paths are ``filepath/filename`` under the image root, and ``splits`` picks the rows
  (the usual training set is ``train`` + ``restval``: 113,287 images).
- ``"karpathy_list"``: the per-split lists that BLIP and most retrieval code ship (``coco_karpathy_train.json``:
  ``[{"image": "train2014/...jpg", "caption": str or [str, ...], "image_id": ...}]``).

Images are checked once per file, before training starts: a missing or unreadable image stops with its path,
unless ``skip_missing_images`` is set, in which case its captions are dropped and counted in the log. The check
opens each file's header only, so it costs seconds per ten thousand images, not a decode.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

logger = logging.getLogger(__name__)

ANNOTATION_FORMATS = ("auto", "coco", "karpathy", "karpathy_list")


@dataclass
class CocoCaptions:
    """Caption rows read from an annotation file, and what the image check dropped."""

    rows: list[dict[str, Any]]
    skipped_images: list[str] = field(default_factory=list)
    skipped_captions: int = 0

    def to_dataset(self):
        """An in-memory ``datasets.Dataset`` with columns ``image`` (a path string), ``caption`` and ``image_id``."""
        from datasets import Dataset, Features, Value

        features = Features({"image": Value("string"), "caption": Value("string"), "image_id": Value("string")})
        columns = {name: [row[name] for row in self.rows] for name in features}
        return Dataset.from_dict(columns, features=features)


def detect_format(data: Any, source: str) -> str:
    """The layout of parsed annotation json ``data``; ``source`` names the file in the error."""
    if isinstance(data, dict) and "annotations" in data and "images" in data:
        return "coco"
    if isinstance(data, dict) and isinstance(data.get("images"), list):
        first = data["images"][0] if data["images"] else {}
        if isinstance(first, dict) and "sentences" in first:
            return "karpathy"
    if isinstance(data, list) and (not data or (isinstance(data[0], dict) and {"image", "caption"} <= set(data[0]))):
        return "karpathy_list"
    raise ValueError(
        f"{source}: not a COCO caption file. Expected the official layout (keys 'images' and 'annotations'), "
        "Karpathy's dataset_coco.json (key 'images' whose items have 'sentences'), or a list of "
        "{'image', 'caption'} records"
    )


def _require(record: Any, keys: Iterable[str], where: str) -> None:
    if not isinstance(record, dict):
        raise ValueError(f"{where}: expected an object, got {type(record).__name__}")
    missing = [key for key in keys if key not in record]
    if missing:
        raise ValueError(f"{where}: missing field {', '.join(map(repr, missing))} (has {sorted(record)})")


def _caption(text: Any, where: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{where}: the caption is empty or not a string ({text!r})")
    return text.strip()


def _official_rows(data: dict, source: str, image_subdir: str | None) -> list[dict[str, Any]]:
    subdir = image_subdir if image_subdir is not None else _official_subdir(source)
    files = {}
    for index, image in enumerate(data["images"]):
        _require(image, ("id", "file_name"), f"{source}: images[{index}]")
        files[image["id"]] = f"{subdir}/{image['file_name']}" if subdir else image["file_name"]
    rows = []
    for index, annotation in enumerate(data["annotations"]):
        where = f"{source}: annotations[{index}]"
        _require(annotation, ("image_id", "caption"), where)
        if annotation["image_id"] not in files:
            raise ValueError(f"{where}: image_id {annotation['image_id']!r} is not in the file's 'images' list")
        rows.append(
            {
                "image": files[annotation["image_id"]],
                "caption": _caption(annotation["caption"], where),
                "image_id": str(annotation["image_id"]),
            }
        )
    return rows


def _official_subdir(source: str) -> str:
    """``captions_train2014.json`` -> ``train2014``: the folder the official file names are relative to."""
    stem = Path(source).stem
    return stem.split("_", 1)[1] if stem.startswith("captions_") else ""


def _karpathy_rows(data: dict, source: str, splits: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = []
    for index, image in enumerate(data["images"]):
        where = f"{source}: images[{index}]"
        _require(image, ("filename", "sentences", "split"), where)
        if image["split"] not in splits:
            continue
        path = f"{image['filepath']}/{image['filename']}" if image.get("filepath") else image["filename"]
        image_id = str(image.get("cocoid", image.get("imgid", path)))
        for position, sentence in enumerate(image["sentences"]):
            _require(sentence, ("raw",), f"{where}.sentences[{position}]")
            caption = _caption(sentence["raw"], f"{where}.sentences[{position}]")
            rows.append({"image": path, "caption": caption, "image_id": image_id})
    return rows


def _karpathy_list_rows(data: list, source: str) -> list[dict[str, Any]]:
    rows = []
    for index, record in enumerate(data):
        where = f"{source}: [{index}]"
        _require(record, ("image", "caption"), where)
        captions = record["caption"] if isinstance(record["caption"], list) else [record["caption"]]
        image_id = str(record.get("image_id", Path(record["image"]).stem))
        rows.extend(
            {"image": record["image"], "caption": _caption(text, where), "image_id": image_id} for text in captions
        )
    return rows


def image_problem(path: Path) -> str | None:
    """Why ``path`` cannot be trained on, or None when its header reads as an image."""
    if not path.is_file():
        return "no such file"
    try:
        with Image.open(path) as image:
            image.verify()
    except (OSError, ValueError, SyntaxError) as error:
        return f"unreadable image ({error})"
    return None


def read_coco_captions(
    annotation_file: str | Path,
    image_root: str | Path,
    *,
    annotation_format: str = "auto",
    splits: Iterable[str] = ("train", "restval"),
    image_subdir: str | None = None,
    skip_missing_images: bool = False,
    check_images: bool = True,
    max_samples: int | None = None,
) -> CocoCaptions:
    """Caption rows of a COCO annotation file, with image paths resolved under ``image_root``.

    Args:
        annotation_file: the official, Karpathy or Karpathy-list json (see the module docstring).
        image_root: the folder holding ``train2014/``, ``val2014/``.
        annotation_format: one of ``"auto"``, ``"coco"``, ``"karpathy"``, ``"karpathy_list"``.
        splits: Karpathy splits to keep (only for ``"karpathy"``).
        image_subdir: folder of the official file names under ``image_root``; by default taken from the file
            name (``captions_train2014.json`` -> ``train2014``).
        skip_missing_images: drop captions of missing or unreadable images (counted and logged) instead of raising.
        check_images: open every image's header now; False trusts the files (a bad one then fails in the collator).
        max_samples: keep the first N captions (before the image check, so a quick try checks only those).
    """
    if annotation_format not in ANNOTATION_FORMATS:
        raise ValueError(f"annotation_format={annotation_format!r} is not one of {list(ANNOTATION_FORMATS)}")
    annotation_file, image_root = Path(annotation_file), Path(image_root)
    source = str(annotation_file)
    try:
        data = json.loads(annotation_file.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise FileNotFoundError(f"annotation file {source} does not exist") from error
    except json.JSONDecodeError as error:
        raise ValueError(f"{source}: not valid JSON ({error})") from error
    detected = detect_format(data, source)
    if annotation_format != "auto" and annotation_format != detected:
        raise ValueError(f"{source}: annotation_format={annotation_format!r} but the file looks like {detected!r}")
    if detected == "coco":
        rows = _official_rows(data, source, image_subdir)
    elif detected == "karpathy":
        rows = _karpathy_rows(data, source, tuple(splits))
    else:
        rows = _karpathy_list_rows(data, source)
    if max_samples is not None:
        rows = rows[:max_samples]
    if not rows:
        raise ValueError(f"{source}: no captions (splits={list(splits)} for a Karpathy file)")
    for row in rows:
        row["image"] = str(image_root / row["image"])
    if not check_images:
        return CocoCaptions(rows)
    return _drop_bad_images(rows, source, skip_missing_images)


def _drop_bad_images(rows: list[dict[str, Any]], source: str, skip: bool) -> CocoCaptions:
    from tqdm.auto import tqdm

    problems: dict[str, str] = {}
    for path in tqdm(sorted({row["image"] for row in rows}), desc="Checking COCO images", unit="image"):
        problem = image_problem(Path(path))
        if problem is None:
            continue
        if not skip:
            raise FileNotFoundError(
                f"image {path} (listed in {source}): {problem}. Fix the image root, or pass skip_missing_images "
                "(--skip_missing_images in the recipe) to drop its captions and count them in the log."
            )
        problems[path] = problem
    kept = [row for row in rows if row["image"] not in problems]
    skipped = len(rows) - len(kept)
    if problems:
        examples = "; ".join(f"{path}: {why}" for path, why in list(problems.items())[:3])
        logger.warning(
            f"Skipped {skipped} of {len(rows)} captions: {len(problems)} images missing or unreadable (e.g. {examples})"
        )
    if not kept:
        raise FileNotFoundError(
            f"every image listed in {source} is missing or unreadable (e.g. {next(iter(problems))})"
        )
    return CocoCaptions(kept, skipped_images=sorted(problems), skipped_captions=skipped)
