"""Zero-shot classification: class names times prompt templates, the other cost of compositional fine-tuning.

Each class is the mean of its normalised prompt embeddings, normalised again (Radford et al., 2021); an image
is assigned the class with the highest cosine. Top-1 and top-5 accuracy, ties counted against the label.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from hf_compclip.evaluation.images import DatasetImages, FolderImages, ImageRef, ImageStore
from hf_compclip.evaluation.metrics import top_k_accuracy
from hf_compclip.evaluation.results import BenchmarkResult
from hf_compclip.evaluation.scorer import EmbeddingScorer

DEFAULT_TEMPLATES = (
    "a photo of a {}.",
    "a blurry photo of a {}.",
    "a close-up photo of a {}.",
    "a photo of the small {}.",
    "a photo of the large {}.",
    "a drawing of a {}.",
    "a bright photo of a {}.",
    "a dark photo of a {}.",
)
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff"}


@dataclass
class ZeroShotBenchmark:
    name: str
    images_to_classify: list[ImageRef]
    labels: list[int]
    classnames: list[str]
    images: ImageStore
    templates: Sequence[str] = DEFAULT_TEMPLATES
    primary: str = "top1"

    def __post_init__(self) -> None:
        if not self.images_to_classify:
            raise ValueError(f"{self.name}: no images to classify")
        bad = [t for t in self.templates if t.count("{}") != 1]
        if bad:
            raise ValueError(f"{self.name}: every template needs exactly one '{{}}' for the class name, got {bad}")

    def run(self, scorer: EmbeddingScorer) -> BenchmarkResult:
        prompts = [template.format(name) for name in self.classnames for template in self.templates]
        image_emb, text_emb = scorer.encode(self.images_to_classify, prompts, self.images, self.name)
        per_prompt = text_emb.rows(prompts).reshape(len(self.classnames), len(self.templates), -1)
        classifier = torch.nn.functional.normalize(per_prompt.mean(dim=1), dim=-1)
        logits = image_emb.rows(self.images_to_classify) @ classifier.T
        ks = [k for k in (1, 5) if k <= len(self.classnames)]
        top = top_k_accuracy(logits, torch.tensor(self.labels), ks)
        scores = {f"top{k}": value for k, value in top.items()}
        details = {"classes": len(self.classnames), "templates": len(self.templates)}
        return BenchmarkResult(self.name, scores, dict.fromkeys(scores, len(self.labels)), self.primary, details)


def load_image_folder(
    root: str | Path,
    *,
    classnames: dict[str, str] | None = None,
    templates: Sequence[str] = DEFAULT_TEMPLATES,
    name: str = "zeroshot",
) -> ZeroShotBenchmark:
    """An ImageFolder layout (``root/<class folder>/<image>``); class names are folder names with ``_`` as spaces
    unless ``classnames`` maps folder names to names."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{name}: image folder {root} not found (expected one subfolder per class)")
    folders = sorted(path for path in root.iterdir() if path.is_dir())
    if not folders:
        raise FileNotFoundError(f"{name}: {root} has no class subfolders")
    refs, labels = [], []
    for label, folder in enumerate(folders):
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() in IMAGE_SUFFIXES:
                refs.append(ImageRef(str(path.relative_to(root))))
                labels.append(label)
    names = [(classnames or {}).get(f.name, f.name.replace("_", " ")) for f in folders]
    return ZeroShotBenchmark(name, refs, labels, names, FolderImages(root), templates)


def classification_from_dataset(
    dataset: Any,
    *,
    image_column: str = "image",
    label_column: str = "label",
    classnames: Sequence[str] | None = None,
    templates: Sequence[str] = DEFAULT_TEMPLATES,
    name: str = "zeroshot",
) -> ZeroShotBenchmark:
    """A ``datasets.Dataset`` with an image column and a ClassLabel column (or ``classnames`` given)."""
    for column in (image_column, label_column):
        if column not in dataset.column_names:
            raise ValueError(f"{name}: dataset has no column {column!r} (columns: {dataset.column_names})")
    if classnames is None:
        feature = dataset.features[label_column]
        if not hasattr(feature, "names"):
            raise ValueError(f"{name}: column {label_column!r} is not a ClassLabel; pass classnames")
        classnames = [n.replace("_", " ") for n in feature.names]
    labels = list(dataset[label_column])
    refs = [ImageRef(str(index)) for index in range(len(dataset))]
    return ZeroShotBenchmark(name, refs, labels, list(classnames), DatasetImages(dataset, image_column), templates)


def load_classification_from_hub(
    repo_id: str,
    split: str = "test",
    *,
    image_column: str = "image",
    label_column: str = "label",
    templates: Sequence[str] = DEFAULT_TEMPLATES,
    name: str | None = None,
    **load_kwargs: Any,
) -> ZeroShotBenchmark:
    """A classification dataset from the Hugging Face Hub (e.g. ``"uoft-cs/cifar10"``, columns ``img``/``label``)."""
    from datasets import load_dataset

    dataset = load_dataset(repo_id, split=split, **load_kwargs)
    benchmark_name = name or "zeroshot_" + re.sub(r"[^a-z0-9_]", "_", repo_id.split("/")[-1].lower())
    return classification_from_dataset(
        dataset, image_column=image_column, label_column=label_column, templates=templates, name=benchmark_name
    )
