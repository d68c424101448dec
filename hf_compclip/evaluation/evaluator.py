"""The evaluation entry points: an evaluator the trainer calls at ``eval_steps`` and ``evaluate`` for scripts.

Benchmarks are read once, when the evaluator is built, so a bad path fails before training starts and every
evaluation during training only runs the model.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import torch

from hf_compclip.evaluation.choice import ChoiceBenchmark, ChoiceItem
from hf_compclip.evaluation.images import ImageStore, InMemoryImages
from hf_compclip.evaluation.registry import Benchmark, Root, load_benchmarks
from hf_compclip.evaluation.results import BenchmarkResult, check_metric_name, flatten
from hf_compclip.evaluation.scorer import EmbeddingScorer


class CompositionalEvaluator:
    """Scores a CLIP-like model on compositional benchmarks; ``evaluator(model, processor)`` gives flat metrics.

    Args:
        benchmarks: benchmark names (see :data:`BENCHMARKS`, ``"aro"`` expands to both VG tests) or a
            comma-separated string.
        data_root, image_root: folders holding the official files and the images (a folder, or a mapping from
            benchmark name to folder).
        batch_size (`int`, *optional*, defaults to 64): inputs per forward pass.
        primary_metric (`str`, *optional*): the flat metric that stands for the whole evaluation; defaults to
            the first benchmark's headline (e.g. ``"sugarcrepe/avg"``). The trainer logs it as
            ``eval_<primary_metric>``, the name ``metric_for_best_model`` takes.
        options: per-benchmark loader options, e.g. ``{"coco_order": {"seed": 1}}``.
        show_progress (`bool`, *optional*, defaults to True): a progress bar per benchmark.
        loaded: already-loaded benchmarks to use instead of names (see :meth:`from_items`).

    The model is evaluated under ``torch.no_grad`` in eval mode on the device it is on, and put back in the
    train/eval mode it came in.
    """

    def __init__(
        self,
        benchmarks: Iterable[str] | str = ("sugarcrepe",),
        data_root: Root = None,
        image_root: Root = None,
        *,
        batch_size: int = 64,
        primary_metric: str | None = None,
        options: Mapping[str, Mapping[str, Any]] | None = None,
        show_progress: bool = True,
        loaded: Sequence[Benchmark] | None = None,
    ) -> None:
        self.benchmarks = (
            list(loaded) if loaded is not None else load_benchmarks(benchmarks, data_root, image_root, options)
        )
        if not self.benchmarks:
            raise ValueError("CompositionalEvaluator needs at least one benchmark")
        names = [b.name for b in self.benchmarks]
        if len(set(names)) != len(names):
            raise ValueError(f"benchmark names must be distinct, got {names}")
        self.batch_size = batch_size
        self.show_progress = show_progress
        first = self.benchmarks[0]
        self.primary_metric = check_metric_name(primary_metric or f"{first.name}/{first.primary}")

    @classmethod
    def from_items(
        cls,
        items: Sequence[ChoiceItem],
        images: ImageStore | Mapping[str, Any],
        *,
        name: str = "compositional",
        **kwargs: Any,
    ) -> CompositionalEvaluator:
        """An evaluator over in-memory multiple-choice items (per-category accuracy, ``avg`` over categories)."""
        store = InMemoryImages(images) if isinstance(images, Mapping) else images
        return cls(loaded=[ChoiceBenchmark(name, list(items), store)], **kwargs)

    def run(self, model: Any, processor: Any) -> dict[str, BenchmarkResult]:
        """Full results per benchmark (scores, counts, details)."""
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                scorer = EmbeddingScorer(
                    model, processor, batch_size=self.batch_size, show_progress=self.show_progress
                )
                return {benchmark.name: benchmark.run(scorer) for benchmark in self.benchmarks}
        finally:
            model.train(was_training)

    def __call__(self, model: Any, processor: Any) -> dict[str, float]:
        metrics = flatten(self.run(model, processor))
        if self.primary_metric not in metrics:
            raise KeyError(f"primary metric {self.primary_metric!r} is not among {sorted(metrics)}")
        return metrics


def evaluate(
    model: Any,
    processor: Any,
    benchmarks: Iterable[str] | str = ("sugarcrepe",),
    data_root: Root = None,
    image_root: Root = None,
    *,
    batch_size: int = 64,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    show_progress: bool = True,
) -> dict[str, BenchmarkResult]:
    """Score ``model`` on ``benchmarks`` read from ``data_root`` / ``image_root``; results per benchmark.

    ``results["sugarcrepe"]["replace_att"]`` is one category's accuracy; ``results[name].details`` holds what
    is needed to reproduce it (filters, skipped items, seeds).
    """
    evaluator = CompositionalEvaluator(
        benchmarks, data_root, image_root, batch_size=batch_size, options=options, show_progress=show_progress
    )
    return evaluator.run(model, processor)
