"""Callbacks the CE-CLIP trainer always installs."""

from __future__ import annotations

import math

import torch
from transformers import TrainerCallback


class LogitScaleClampCallback(TrainerCallback):
    """Clamp ``logit_scale`` to ``ln(max_scale)`` after every optimizer step, as CLIP's own training does.

    Without the clamp the temperature drifts upward on a contrastive loss and the softmax saturates. The clamp is
    elementwise, so it also holds for a parameter sharded by FSDP (each process clamps its shard).
    """

    def __init__(self, max_scale: float = 100.0) -> None:
        self.max_log_scale = math.log(max_scale)

    def on_optimizer_step(self, args, state, control, model=None, **kwargs):
        if model is None:
            return
        with torch.no_grad():
            for name, parameter in model.named_parameters():
                if name.endswith("logit_scale"):
                    parameter.clamp_(max=self.max_log_scale)
