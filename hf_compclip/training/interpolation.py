"""Weight-space interpolation between a base CLIP and its fine-tuned version, and the sweep over the mixing weight.

``theta(alpha) = (1 - alpha) * theta_base + alpha * theta_finetuned`` (WiSE-FT, Wortsman et al., CVPR 2022)
trades the compositional gains of fine-tuning against the zero-shot accuracy it costs: CE-CLIP's checkpoint
loses about 13 points of ImageNet zero-shot accuracy, and an intermediate alpha often keeps most of the
compositional gain for a fraction of that loss. The sweep measures both sides for each alpha and plots the
curve, so the choice is made on numbers.

At alpha 0 and 1 the endpoints are copied, not computed, so they are reproduced bit for bit.
"""

from __future__ import annotations

import copy
import json
import logging
import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

logger = logging.getLogger(__name__)


def _check_alpha(alpha: float) -> float:
    alpha = float(alpha)
    if not (math.isfinite(alpha) and 0.0 <= alpha <= 1.0):
        raise ValueError(f"alpha must be in [0, 1] (0 = base, 1 = fine-tuned), got {alpha}")
    return alpha


def interpolate_state_dicts(
    base: dict[str, torch.Tensor], finetuned: dict[str, torch.Tensor], alpha: float
) -> dict[str, torch.Tensor]:
    """``(1 - alpha) * base + alpha * finetuned`` for every floating-point tensor; other tensors must agree."""
    alpha = _check_alpha(alpha)
    if set(base) != set(finetuned):
        only_base, only_tuned = sorted(set(base) - set(finetuned)), sorted(set(finetuned) - set(base))
        raise ValueError(
            f"the two models have different parameters: only in base {only_base[:5]}, only in fine-tuned "
            f"{only_tuned[:5]}; interpolation needs the same architecture"
        )
    mixed = {}
    for name, tensor in base.items():
        other = finetuned[name]
        if tensor.shape != other.shape:
            raise ValueError(f"{name}: shape {tuple(tensor.shape)} in base but {tuple(other.shape)} in fine-tuned")
        if alpha == 0.0:
            mixed[name] = tensor.clone()
        elif alpha == 1.0 or not tensor.is_floating_point():
            if not tensor.is_floating_point() and not torch.equal(tensor, other):
                raise ValueError(f"{name}: a non-float tensor ({tensor.dtype}) differs between the two models")
            mixed[name] = other.clone()
        else:
            mixed[name] = torch.lerp(tensor.float(), other.float(), alpha).to(other.dtype)
    return mixed


def interpolate_models(base: nn.Module, finetuned: nn.Module, alpha: float) -> nn.Module:
    """A new model with the fine-tuned model's class and config and the interpolated weights."""
    mixed = interpolate_state_dicts(base.state_dict(), finetuned.state_dict(), alpha)
    model = copy.deepcopy(finetuned)
    model.load_state_dict(mixed)
    return model


def _load_clip(path: str | Path):
    from transformers import CLIPModel

    return CLIPModel.from_pretrained(str(path), use_safetensors=True)


def _load_processor(*paths: str | Path):
    """The processor saved beside the first of ``paths`` that has one (the fine-tuned model's, then the base's)."""
    from transformers import CLIPProcessor

    errors = []
    for path in paths:
        try:
            return CLIPProcessor.from_pretrained(str(path))
        except (OSError, ValueError) as error:
            errors.append(f"{path}: {error}")
    raise OSError("no CLIP processor found beside either model:\n" + "\n".join(errors))


def interpolate_checkpoints(
    base: str | Path, finetuned: str | Path, alpha: float, output_dir: str | Path
) -> tuple[nn.Module, Any]:
    """Load two `CLIPModel` checkpoints (safetensors), interpolate, save model and processor to ``output_dir``."""
    alpha = _check_alpha(alpha)
    model = interpolate_models(_load_clip(base), _load_clip(finetuned), alpha)
    processor = _load_processor(finetuned, base)
    model.save_pretrained(str(output_dir))
    processor.save_pretrained(str(output_dir))
    note = {"base": str(base), "finetuned": str(finetuned), "alpha": alpha}
    (Path(output_dir) / "interpolation.json").write_text(json.dumps(note, indent=2) + "\n")
    return model, processor


def sweep_interpolation(
    base: nn.Module,
    finetuned: nn.Module,
    alphas: Iterable[float],
    score: Callable[[nn.Module], dict[str, float]],
) -> list[dict[str, float]]:
    """``score`` the interpolated model at every alpha: one row ``{"alpha": a, **scores}`` per alpha, in order."""
    from tqdm.auto import tqdm

    alphas = [_check_alpha(alpha) for alpha in alphas]
    if not alphas:
        raise ValueError("the sweep needs at least one alpha")
    base_state = {name: tensor.detach().cpu() for name, tensor in base.state_dict().items()}
    tuned_state = {name: tensor.detach().cpu() for name, tensor in finetuned.state_dict().items()}
    model = copy.deepcopy(finetuned)
    rows = []
    for alpha in tqdm(alphas, desc="Interpolation sweep", unit="alpha"):
        model.load_state_dict(interpolate_state_dicts(base_state, tuned_state, alpha))
        rows.append({"alpha": alpha, **score(model)})
        logger.info(f"alpha={alpha:g}: {rows[-1]}")
    return rows


def plot_tradeoff(rows: Sequence[dict[str, float]], x_metric: str, y_metric: str, path: str | Path) -> Path:
    """The trade-off curve: ``x_metric`` (zero-shot) against ``y_metric`` (compositional), one point per alpha."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for metric in (x_metric, y_metric):
        missing = [row["alpha"] for row in rows if metric not in row]
        if missing:
            available = sorted(key for key in rows[0] if key != "alpha")
            raise KeyError(f"metric {metric!r} is missing at alpha {missing}; available: {available}")
    xs, ys = [row[x_metric] for row in rows], [row[y_metric] for row in rows]
    figure, axes = plt.subplots(figsize=(5.5, 4.5))
    axes.plot(xs, ys, marker="o")
    for row, x, y in zip(rows, xs, ys, strict=True):
        axes.annotate(f"α={row['alpha']:g}", (x, y), textcoords="offset points", xytext=(5, 5), fontsize=8)
    axes.set_xlabel(f"{x_metric} (zero-shot)")
    axes.set_ylabel(f"{y_metric} (compositional)")
    axes.set_title("Base ↔ fine-tuned weight interpolation")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    path = Path(path)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
