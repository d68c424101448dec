"""The figure of a CE-CLIP run: each negative type's adaptive threshold and the loss terms over training.

The threshold panel is the paper's curriculum figure (its Fig. 5b): a type the model already separates
from the true caption earns a larger margin, up to the upper bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

THRESHOLD_PREFIX = "threshold/"
LOSS_KEYS = ("loss", "itc_loss", "imc_loss", "cmr_loss")


def training_curves(log_history: Sequence[dict[str, Any]]) -> dict[str, tuple[list[int], list[float]]]:
    """Series ``name -> (steps, values)`` of the thresholds and loss terms in a Trainer's ``log_history``."""
    series: dict[str, tuple[list[int], list[float]]] = {}
    for entry in log_history:
        if "step" not in entry:
            continue
        for key, value in entry.items():
            if key.startswith(THRESHOLD_PREFIX) or key in LOSS_KEYS:
                steps, values = series.setdefault(key, ([], []))
                steps.append(entry["step"])
                values.append(float(value))
    return series


def plot_training_curves(log_history: Sequence[dict[str, Any]], path: str | Path, title: str | None = None) -> Path:
    """Save the two-panel PNG (thresholds, loss terms) of ``log_history`` to ``path`` and return the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = training_curves(log_history)
    if not series:
        raise ValueError("log_history holds no loss or threshold values: was logging_steps larger than the run?")
    figure, (thresholds_axis, loss_axis) = plt.subplots(1, 2, figsize=(11, 4))
    for name, (steps, values) in sorted(series.items()):
        if name.startswith(THRESHOLD_PREFIX):
            thresholds_axis.plot(steps, values, label=name.removeprefix(THRESHOLD_PREFIX))
        else:
            loss_axis.plot(steps, values, label=name)
    thresholds_axis.set(title="adaptive CMR thresholds", xlabel="step", ylabel="threshold (logits)")
    loss_axis.set(title="loss terms", xlabel="step", ylabel="loss")
    for axis in (thresholds_axis, loss_axis):
        if axis.lines:
            axis.legend()
        axis.grid(alpha=0.3)
    if title:
        figure.suptitle(title)
    return save_figure(figure, path)


def save_figure(figure, path: str | Path) -> Path:
    """Write ``figure`` as a PNG at ``path`` (creating its folder) and free it; return the path."""
    import matplotlib.pyplot as plt

    figure.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
