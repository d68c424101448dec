"""Winoground (Thrush et al., CVPR 2022): two images, two captions with the same words in a different order.

Text score: each image prefers its own caption; image score: each caption prefers its own image; group score:
both. ``group`` is the headline figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from hf_compclip.evaluation.files import get_field, read_jsonl, require_file
from hf_compclip.evaluation.images import ImageRef, ImageStore, InMemoryImages, folder_or_store
from hf_compclip.evaluation.metrics import winoground_scores
from hf_compclip.evaluation.results import BenchmarkResult
from hf_compclip.evaluation.scorer import EmbeddingScorer

SOURCE = "https://huggingface.co/datasets/facebook/winoground (data/examples.jsonl and data/images)"
HUB_ID = "facebook/winoground"


@dataclass(frozen=True)
class WinogroundItem:
    id: str
    captions: tuple[str, str]
    images: tuple[ImageRef, ImageRef]
    tag: str = ""


@dataclass
class WinogroundBenchmark:
    name: str
    items: list[WinogroundItem]
    images: ImageStore
    primary: str = "group"

    def scores(self, scorer: EmbeddingScorer) -> torch.Tensor:
        """``scores[n, c, i]``: similarity of caption c and image i of example n."""
        refs = [ref for item in self.items for ref in item.images]
        texts = [text for item in self.items for text in item.captions]
        image_emb, text_emb = scorer.encode(refs, texts, self.images, self.name)
        captions = text_emb.rows(texts).reshape(len(self.items), 2, -1)
        pictures = image_emb.rows(refs).reshape(len(self.items), 2, -1)
        return torch.einsum("ncd,nid->nci", captions, pictures)

    def run(self, scorer: EmbeddingScorer) -> BenchmarkResult:
        scores = winoground_scores(self.scores(scorer))
        return BenchmarkResult(self.name, scores, dict.fromkeys(scores, len(self.items)), self.primary)


def load_winoground(
    data_root: str | Path,
    image_root: str | Path | None = None,
    *,
    images: ImageStore | None = None,
    image_extension: str = ".png",
    name: str = "winoground",
) -> WinogroundBenchmark:
    """Winoground from ``data_root/examples.jsonl``; images are ``image_root/<image_0>.png`` and so on."""
    path = require_file(Path(data_root) / "examples.jsonl", name, SOURCE)
    items = []
    for number, record in enumerate(read_jsonl(path), start=1):
        where = f"{path}, line {number}"
        refs = tuple(ImageRef(get_field(record, f"image_{i}", where, str) + image_extension) for i in (0, 1))
        captions = tuple(get_field(record, f"caption_{i}", where, str) for i in (0, 1))
        items.append(
            WinogroundItem(str(record.get("id", number - 1)), captions, refs, record.get("collapsed_tag", ""))
        )
    store = folder_or_store(image_root, images, name)
    missing = [ref.key for item in items for ref in item.images if not store.exists(ref.key)]
    if missing:
        raise FileNotFoundError(f"{name}: {len(missing)} images not found, first {store.describe(missing[0])}")
    return WinogroundBenchmark(name, items, store)


def winoground_from_rows(rows: Any, name: str = "winoground") -> WinogroundBenchmark:
    """Winoground from rows with PIL images (the Hugging Face copy: image_0, image_1, caption_0, caption_1)."""
    images, items = {}, []
    for index, row in enumerate(rows):
        where = f"{name} row {index}"
        refs = []
        for i in (0, 1):
            key = f"{row.get('id', index)}/image_{i}"
            images[key] = get_field(row, f"image_{i}", where)
            refs.append(ImageRef(key))
        captions = tuple(get_field(row, f"caption_{i}", where, str) for i in (0, 1))
        items.append(WinogroundItem(str(row.get("id", index)), captions, tuple(refs), row.get("collapsed_tag", "")))
    return WinogroundBenchmark(name, items, InMemoryImages(images))


def load_winoground_from_hub(repo_id: str = HUB_ID, split: str = "test", **load_kwargs: Any) -> WinogroundBenchmark:
    """The Hugging Face copy (gated: accept its terms and log in first)."""
    from datasets import load_dataset

    return winoground_from_rows(load_dataset(repo_id, split=split, **load_kwargs))
