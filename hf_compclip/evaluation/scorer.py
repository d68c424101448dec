"""Embedding scorer for any CLIP-like model: every distinct image and text is encoded once.

Benchmarks ask many questions about the same image (SugarCrepe reuses COCO images across categories, ARO crops
one picture many ways) and the same text (a caption is often the positive of several items). Encoding unique
inputs and reading similarities from normalised embeddings turns N pair forwards into one pass per distinct
input. Similarities are cosines in float32, whatever precision the towers ran in.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import torch
from tqdm.auto import tqdm

from hf_compclip.evaluation.images import ImageRef, ImageStore, load_image

K = TypeVar("K")


@dataclass
class Embeddings(Generic[K]):
    """L2-normalised embeddings (float32, CPU), one row per distinct key."""

    index: dict[K, int]
    matrix: torch.Tensor

    def rows(self, keys: Sequence[K]) -> torch.Tensor:
        return self.matrix[[self.index[key] for key in keys]]


def pooled_features(output: Any) -> torch.Tensor:
    """The projected embedding from ``get_*_features``: transformers 5.x returns a ModelOutput, 4.x a tensor."""
    if isinstance(output, torch.Tensor):
        return output
    pooled = getattr(output, "pooler_output", None)
    if pooled is None:
        raise TypeError(f"Cannot find embeddings in {type(output).__name__}: expected a tensor or .pooler_output")
    return pooled


def unique(values: Iterable[K]) -> list[K]:
    """Distinct values in first-seen order (a stable order makes batches and results reproducible)."""
    return list(dict.fromkeys(values))


def _batches(values: Sequence[K], size: int) -> Iterator[Sequence[K]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class EmbeddingScorer:
    """Encodes images and texts with ``model`` (anything with ``get_image_features`` / ``get_text_features``).

    Args:
        model: a CLIP-like model; it is used on the device its parameters are on.
        processor: the matching processor (tokenizer plus image processor).
        batch_size (`int`, *optional*, defaults to 64): images or texts per forward pass.
        half (`bool`, *optional*): run the towers under half-precision autocast (float16 on CUDA, bfloat16 on
            CPU); defaults to True on CUDA. The model's own weights are never converted.
        show_progress (`bool`, *optional*, defaults to True): show a tqdm bar per benchmark.
    """

    def __init__(
        self, model: Any, processor: Any, *, batch_size: int = 64, half: bool | None = None, show_progress: bool = True
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.model = model
        self.processor = processor
        self.batch_size = batch_size
        self.device = next(model.parameters()).device
        self.half = self.device.type == "cuda" if half is None else half
        self.show_progress = show_progress
        config = getattr(model, "config", None)
        text_config = getattr(config, "text_config", None)
        self.max_text_length = getattr(text_config, "max_position_embeddings", 77)

    def _autocast(self) -> contextlib.AbstractContextManager:
        if self.half and self.device.type in ("cuda", "cpu"):
            dtype = torch.float16 if self.device.type == "cuda" else torch.bfloat16
            return torch.autocast(device_type=self.device.type, dtype=dtype)
        return contextlib.nullcontext()

    def progress(self, total: int, desc: str) -> tqdm:
        return tqdm(total=total, desc=desc, unit="input", disable=not self.show_progress, leave=False)

    @torch.no_grad()
    def encode_texts(self, texts: Iterable[str], bar: tqdm | None = None) -> Embeddings[str]:
        keys = unique(texts)
        chunks = []
        for batch in _batches(keys, self.batch_size):
            tokens = self.processor.tokenizer(
                list(batch), padding=True, truncation=True, max_length=self.max_text_length, return_tensors="pt"
            ).to(self.device)
            with self._autocast():
                features = pooled_features(self.model.get_text_features(**tokens))
            chunks.append(torch.nn.functional.normalize(features.float(), dim=-1).cpu())
            if bar is not None:
                bar.update(len(batch))
        return self._collect(keys, chunks)

    @torch.no_grad()
    def encode_images(self, refs: Iterable[ImageRef], store: ImageStore, bar: tqdm | None = None) -> Embeddings:
        keys = unique(refs)
        chunks = []
        for batch in _batches(keys, self.batch_size):
            images = [load_image(store, ref) for ref in batch]
            pixels = self.processor.image_processor(images=images, return_tensors="pt")["pixel_values"]
            pixels = pixels.to(self.device, dtype=self._pixel_dtype())
            with self._autocast():
                features = pooled_features(self.model.get_image_features(pixel_values=pixels))
            chunks.append(torch.nn.functional.normalize(features.float(), dim=-1).cpu())
            if bar is not None:
                bar.update(len(batch))
        return self._collect(keys, chunks)

    def _pixel_dtype(self) -> torch.dtype:
        dtype = next(self.model.parameters()).dtype
        return dtype if dtype.is_floating_point else torch.float32

    @staticmethod
    def _collect(keys: list[K], chunks: list[torch.Tensor]) -> Embeddings[K]:
        matrix = torch.cat(chunks) if chunks else torch.empty(0, 0)
        return Embeddings(index={key: row for row, key in enumerate(keys)}, matrix=matrix)

    def encode(
        self, refs: Iterable[ImageRef], texts: Iterable[str], store: ImageStore, desc: str
    ) -> tuple[Embeddings, Embeddings[str]]:
        """Both towers over the distinct inputs, with one progress bar for the pair."""
        refs, texts = unique(refs), unique(texts)
        with self.progress(len(refs) + len(texts), desc) as bar:
            return self.encode_images(refs, store, bar), self.encode_texts(texts, bar)
