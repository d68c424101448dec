"""A fake CLIP whose embeddings the test chooses, so every metric can be checked against a hand computation.

Images carry their id in the red channel of every pixel; texts get an id from the fake tokenizer. The model
returns the vectors the test assigned (unknown texts and images get the zero vector, which the scorer turns into
a similarity of 0 with everything: the "same score for caption and negative" case).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from PIL import Image
from transformers import BatchEncoding
from transformers.modeling_outputs import BaseModelOutputWithPooling

FIXTURES = Path(__file__).parent.parent / "fixtures"


def save_image(path: Path, image_id: int, size: tuple[int, int] = (8, 8)) -> Path:
    """A flat image whose red channel is ``image_id`` (0-255)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (image_id, 7, 7)).save(path, format="PNG")  # lossless whatever the name
    return path


class FakeTokenizer:
    def __init__(self) -> None:
        self.vocabulary: dict[str, int] = {}

    def __call__(self, texts, padding=True, truncation=True, max_length=77, return_tensors="pt"):
        ids = [[self.vocabulary.setdefault(text, len(self.vocabulary))] for text in texts]
        return BatchEncoding({"input_ids": torch.tensor(ids)})


class FakeImageProcessor:
    def __call__(self, images, return_tensors="pt"):
        return {"pixel_values": torch.tensor([[float(image.getpixel((0, 0))[0])] for image in images])}


class FakeProcessor:
    def __init__(self) -> None:
        self.tokenizer = FakeTokenizer()
        self.image_processor = FakeImageProcessor()


class FakeClip(torch.nn.Module):
    """Embeddings chosen by the test; counts the inputs each tower saw."""

    def __init__(
        self,
        processor: FakeProcessor,
        texts: dict[str, list[float]],
        images: dict[int, list[float]],
        dim: int,
        return_tensors: bool = False,
    ) -> None:
        super().__init__()
        self.processor = processor
        self.texts = texts
        self.images = images
        self.dim = dim
        self.return_tensors = return_tensors
        self.anchor = torch.nn.Parameter(torch.zeros(1))
        self.text_inputs: list[str] = []
        self.image_inputs: list[int] = []

    def _vector(self, table, key) -> list[float]:
        return table.get(key, [0.0] * self.dim)

    def _wrap(self, features: torch.Tensor):
        return features if self.return_tensors else BaseModelOutputWithPooling(pooler_output=features)

    def get_text_features(self, input_ids, attention_mask=None):
        by_id = {i: t for t, i in self.processor.tokenizer.vocabulary.items()}
        texts = [by_id[int(i)] for i in input_ids[:, 0]]
        self.text_inputs += texts
        return self._wrap(torch.tensor([self._vector(self.texts, t) for t in texts]) + 0 * self.anchor)

    def get_image_features(self, pixel_values):
        ids = [int(v) for v in pixel_values[:, 0]]
        self.image_inputs += ids
        return self._wrap(torch.tensor([self._vector(self.images, i) for i in ids]) + 0 * self.anchor)


@pytest.fixture
def fake_clip():
    """``fake_clip(texts, images, dim)`` -> (model, processor)."""

    def build(texts: dict[str, list[float]], images: dict[int, list[float]], dim: int = 2, **kwargs):
        processor = FakeProcessor()
        return FakeClip(processor, texts, images, dim, **kwargs), processor

    return build
