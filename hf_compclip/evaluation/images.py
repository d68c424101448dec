"""Where benchmark images come from: a folder on disk or images already in memory.

Benchmarks refer to an image by a key (a path relative to the image root, or an id for in-memory images) and
optionally a crop box, so the scorer can encode each distinct (image, box) once however many items share it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from PIL import Image


@dataclass(frozen=True)
class ImageRef:
    """One image an item is scored against: ``key`` in an :class:`ImageStore`, cropped to ``box`` if given.

    ``box`` is ``(x, y, width, height)`` in pixels, the convention of ARO's bounding boxes.
    """

    key: str
    box: tuple[float, float, float, float] | None = None


class ImageStore(Protocol):
    """Resolves image keys; benchmarks check ``exists`` to skip or reject missing images before scoring."""

    def exists(self, key: str) -> bool: ...

    def open(self, key: str) -> Image.Image: ...

    def describe(self, key: str) -> str: ...


class FolderImages:
    """Images read from files under ``root`` (keys are relative paths)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / key

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def open(self, key: str) -> Image.Image:
        path = self.path(key)
        try:
            with Image.open(path) as image:
                return image.convert("RGB")
        except FileNotFoundError:
            raise FileNotFoundError(f"Image {path} not found (key {key!r} under image root {self.root})") from None

    def describe(self, key: str) -> str:
        return str(self.path(key))


class InMemoryImages:
    """Images held in a mapping (Hugging Face datasets rows, generated worlds, tests)."""

    def __init__(self, images: Mapping[str, Image.Image]) -> None:
        self.images = dict(images)

    def exists(self, key: str) -> bool:
        return key in self.images

    def open(self, key: str) -> Image.Image:
        if key not in self.images:
            raise KeyError(f"No in-memory image with key {key!r}")
        return self.images[key].convert("RGB")

    def describe(self, key: str) -> str:
        return f"in-memory image {key!r}"


class DatasetImages:
    """Reads the image column of a ``datasets.Dataset`` row by row, so a large split is never held in memory."""

    def __init__(self, dataset: Any, column: str) -> None:
        self.dataset = dataset
        self.column = column

    def exists(self, key: str) -> bool:
        return 0 <= int(key) < len(self.dataset)

    def open(self, key: str) -> Image.Image:
        return self.dataset[int(key)][self.column].convert("RGB")

    def describe(self, key: str) -> str:
        return f"row {key} of the dataset's {self.column!r} column"


def load_image(store: ImageStore, ref: ImageRef) -> Image.Image:
    """The RGB image of ``ref``, cropped to its box (PIL pads a box that leaves the image with black)."""
    image = store.open(ref.key)
    if ref.box is not None:
        x, y, width, height = ref.box
        image = image.crop((x, y, x + width, y + height))
    return image


class SubfolderImages:
    """Looks an image up directly in ``inner``, then under a named subfolder (the source dataset or corpus).

    Benchmarks that mix image collections (VALSE, VL-CheckList) are unpacked either flat or one folder per
    collection; both layouts work. Keys made by :meth:`key` carry the subfolder and the relative path.
    """

    def __init__(self, inner: ImageStore) -> None:
        self.inner = inner

    @staticmethod
    def key(folder: str, path: str) -> str:
        return f"{folder}\n{path}" if folder else path

    @staticmethod
    def _candidates(key: str) -> list[str]:
        folder, _, path = key.rpartition("\n")
        return [path, f"{folder}/{path}"] if folder else [path]

    def _resolve(self, key: str) -> str | None:
        return next((c for c in self._candidates(key) if self.inner.exists(c)), None)

    def exists(self, key: str) -> bool:
        return self._resolve(key) is not None

    def open(self, key: str) -> Image.Image:
        found = self._resolve(key)
        if found is None:
            raise FileNotFoundError(f"image not found: {self.describe(key)}")
        return self.inner.open(found)

    def describe(self, key: str) -> str:
        return " or ".join(self.inner.describe(c) for c in self._candidates(key))


def folder_or_store(image_root: str | Path | None, images: ImageStore | None, benchmark: str) -> ImageStore:
    """The store a loader reads from: ``images`` when given, else the folder ``image_root``."""
    if images is not None:
        return images
    if image_root is None:
        raise ValueError(f"{benchmark}: give an image root (or an image store) to read the images from")
    return FolderImages(image_root)
