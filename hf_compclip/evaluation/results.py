"""Benchmark results, their flat metric names, and how they are written (JSON, markdown, a bar chart).

Metric names use only lower-case letters, digits, ``_`` and ``/``: the Trainer prefixes them with ``eval_`` and
``metric_for_best_model`` must name one verbatim, and loggers (TensorBoard, MLflow, W&B) group on ``/`` but
reject or rewrite characters such as ``@``, ``:`` or spaces. Accuracies are fractions in [0, 1].
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

_METRIC_NAME = re.compile(r"^[a-z0-9_]+(/[a-z0-9_]+)*$")


def check_metric_name(name: str) -> str:
    if not _METRIC_NAME.match(name):
        raise ValueError(f"metric name {name!r} must be lower-case letters, digits and '_' joined by '/'")
    return name


@dataclass
class BenchmarkResult:
    """Scores of one benchmark.

    Args:
        name: the benchmark's name, the first part of every flat metric name.
        scores: metric name -> value (per category, group means, headline figures).
        counts: metric name -> number of items behind it.
        primary: the key of ``scores`` that stands for the whole benchmark.
        details: anything else a reader needs to reproduce the figure (seeds, filters, skipped items, per-group
            accuracies too many to log).
    """

    name: str
    scores: dict[str, float]
    counts: dict[str, int]
    primary: str
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_metric_name(self.name)
        for key in self.scores:
            check_metric_name(key)
        if self.primary not in self.scores:
            raise ValueError(f"{self.name}: primary metric {self.primary!r} is not among {sorted(self.scores)}")

    def __getitem__(self, key: str) -> float:
        return self.scores[key]

    def flat(self) -> dict[str, float]:
        return {f"{self.name}/{key}": value for key, value in self.scores.items()}

    @property
    def primary_metric(self) -> str:
        return f"{self.name}/{self.primary}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def flatten(results: Mapping[str, BenchmarkResult]) -> dict[str, float]:
    flat: dict[str, float] = {}
    for result in results.values():
        flat.update(result.flat())
    return flat


def to_markdown(results: Mapping[str, BenchmarkResult]) -> str:
    """One table, a row per metric, accuracies in percent as papers print them."""
    lines = ["| benchmark | metric | score (%) | items |", "|---|---|---:|---:|"]
    for result in results.values():
        for key, value in result.scores.items():
            count = result.counts.get(key)
            mark = " **(primary)**" if key == result.primary else ""
            lines.append(f"| {result.name} | {key}{mark} | {100 * value:.2f} | {'' if count is None else count} |")
    return "\n".join(lines) + "\n"


def save_results(results: Mapping[str, BenchmarkResult], path: str | Path, metadata: Mapping[str, Any] = ()) -> Path:
    """Write ``path`` (JSON), the same name with ``.md`` (table) and ``.png`` (bar chart); returns the JSON path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"metadata": dict(metadata), "results": {name: result.to_dict() for name, result in results.items()}}
    path.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n")
    path.with_suffix(".md").write_text(to_markdown(results))
    plot_results(results, path.with_suffix(".png"))
    return path


def plot_results(results: Mapping[str, BenchmarkResult], path: str | Path) -> Path:
    """A horizontal bar per metric, grouped by benchmark, so per-category strengths are seen at a glance."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [f"{r.name}/{key}" for r in results.values() for key in r.scores]
    values = [100 * value for r in results.values() for value in r.scores.values()]
    figure, axis = plt.subplots(figsize=(7, 0.28 * len(labels) + 1.2))
    axis.barh(range(len(labels)), values, color="tab:blue")
    axis.set_yticks(range(len(labels)), labels, fontsize=7)
    axis.invert_yaxis()
    axis.set_xlim(0, 100)
    axis.set_xlabel("score (%)")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return Path(path)
