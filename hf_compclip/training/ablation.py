"""The paper's ablation as named configurations, and the mean-and-spread summary of runs over seeds."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hf_compclip.training.plots import save_figure

ABLATION: dict[str, dict[str, Any]] = {
    "clip": {"itc_negatives": "none", "imc_weight": 0.0, "cmr_weight": 0.0},
    "itc_hn": {"itc_negatives": "batch", "imc_weight": 0.0, "cmr_weight": 0.0},
    "itc_hn_imc": {"itc_negatives": "batch", "imc_weight": 0.3, "cmr_weight": 0.0},
    "itc_hn_cmr": {"itc_negatives": "batch", "imc_weight": 0.0, "cmr_weight": 0.2},
    "ce_clip": {"itc_negatives": "batch", "imc_weight": 0.3, "cmr_weight": 0.2},
}
"""CE-CLIP's ablation rows (its Table 5): plain CLIP loss, ITC with hard negatives, +IMC, +CMR, all three."""


def ablation_overrides(name: str) -> dict[str, Any]:
    """The `CompositionalCLIPConfig` fields of the ablation row ``name``."""
    if name not in ABLATION:
        raise ValueError(f"unknown configuration {name!r}; choose from {', '.join(ABLATION)}")
    return dict(ABLATION[name])


Summary = dict[str, dict[str, tuple[float, float, int]]]


def summarise(runs: Mapping[str, Sequence[Mapping[str, float]]]) -> Summary:
    """``{configuration: [scores of each seed]}`` -> ``{configuration: {metric: (mean, std, seeds)}}``.

    The standard deviation is the sample one (n - 1), 0 for a single seed.
    """
    summary: Summary = {}
    for name, seeds in runs.items():
        metrics = sorted({metric for scores in seeds for metric in scores})
        summary[name] = {}
        for metric in metrics:
            values = [scores[metric] for scores in seeds if metric in scores]
            spread = statistics.stdev(values) if len(values) > 1 else 0.0
            summary[name][metric] = (statistics.fmean(values), spread, len(values))
    return summary


def summary_markdown(summary: Summary, metrics: Sequence[str] | None = None, scale: float = 100.0) -> str:
    """A table with one row per metric and one column per configuration: ``mean ± std`` (× ``scale``)."""
    names = list(summary)
    metrics = metrics or sorted({metric for table in summary.values() for metric in table})
    header = "| metric | " + " | ".join(names) + " |"
    lines = [header, "|---|" + "---:|" * len(names)]
    for metric in metrics:
        cells = []
        for name in names:
            mean, spread, count = summary[name].get(metric, (math.nan, math.nan, 0))
            cells.append(f"{scale * mean:.1f} ± {scale * spread:.1f}" if count else "")
        lines.append(f"| {metric} | " + " | ".join(cells) + " |")
    seeds = {name: max((count for _, _, count in summary[name].values()), default=0) for name in names}
    lines.append("")
    lines.append("Seeds per configuration: " + ", ".join(f"{name} {count}" for name, count in seeds.items()) + ".")
    return "\n".join(lines)


def plot_summary(summary: Summary, metrics: Sequence[str], path: str | Path, title: str | None = None) -> Path:
    """Grouped bars of ``mean ± std`` per metric and configuration, saved as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(summary)
    width = 0.8 / max(len(names), 1)
    figure, axis = plt.subplots(figsize=(max(6, 1.3 * len(metrics)), 4))
    for offset, name in enumerate(names):
        means = [summary[name].get(metric, (math.nan, 0, 0))[0] for metric in metrics]
        spreads = [summary[name].get(metric, (0, 0, 0))[1] for metric in metrics]
        positions = [index + (offset - (len(names) - 1) / 2) * width for index in range(len(metrics))]
        axis.bar(positions, means, width, yerr=spreads, capsize=2, label=name)
    axis.axhline(0.5, color="grey", linestyle=":", linewidth=1)
    axis.set_xticks(range(len(metrics)), metrics, rotation=30, ha="right")
    axis.set(ylabel="accuracy", ylim=(0, 1), title=title or "")
    axis.legend(ncol=min(len(names), 5), fontsize=8)
    return save_figure(figure, path)
