"""What a finished run tells its model card: base, data, negatives, losses, settings, scores and curves."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CARD_KEYS = ("datasets", "negatives_generator", "negatives_quality", "license", "tags", "model_name")
"""Keys of the trainer's ``card_data``: facts about the run that the trainer itself cannot see."""

PLOT_NAME = "training_curves.png"


def nest_scores(scores: Mapping[str, float], prefix: str = "eval_") -> dict[str, dict[str, float]]:
    """``{"eval_sugarcrepe/replace_att": 0.8}`` -> ``{"sugarcrepe": {"replace_att": 0.8}}`` for the card."""
    nested: dict[str, dict[str, float]] = {}
    for name, value in scores.items():
        benchmark, _, metric = name.removeprefix(prefix).partition("/")
        if metric:
            nested.setdefault(benchmark, {})[metric] = float(value)
    return nested


def card_inputs(
    *,
    base_model: str | None,
    args: Any,
    world_size: int,
    global_step: int,
    eval_scores: Mapping[str, float],
    card_data: Mapping[str, Any],
    threshold_plot: str | None,
) -> dict[str, Any]:
    """Keyword arguments of `hf_compclip.hub.save_model_card` for a run with these arguments and results."""
    unknown = set(card_data) - set(CARD_KEYS)
    if unknown:
        raise ValueError(f"card_data has unknown keys {sorted(unknown)}; allowed: {', '.join(CARD_KEYS)}")
    hyperparameters = {
        "learning_rate": args.learning_rate,
        "global_batch_size": args.per_device_train_batch_size * args.gradient_accumulation_steps * world_size,
        "per_device_batch_size": args.per_device_train_batch_size,
        "gradient_accumulation_steps": args.gradient_accumulation_steps,
        "processes": world_size,
        "optimizer": f"{getattr(args.optim, 'value', args.optim)} (betas {args.adam_beta1}, {args.adam_beta2}; eps {args.adam_epsilon})",
        "weight_decay": args.weight_decay,
        "lr_scheduler": str(getattr(args.lr_scheduler_type, "value", args.lr_scheduler_type)),
        "warmup_steps": args.warmup_steps,
        "steps": global_step,
        "mixed_precision": "bf16" if args.bf16 else "fp16" if args.fp16 else "no",
        "seed": args.seed,
    }
    return {
        "base_model": base_model,
        "loss_config": args.loss_kwargs(),
        "hyperparameters": hyperparameters,
        "eval_results": nest_scores(eval_scores) or None,
        "threshold_plot": threshold_plot,
        **card_data,
    }
