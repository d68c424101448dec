"""LoRA on CLIP's attention projections through peft, merged back into a plain `CLIPModel` for shipping.

peft knows no default LoRA targets for CLIP, so the targets are spelled out here: ``q_proj``, ``k_proj``,
``v_proj`` and ``out_proj`` of every encoder layer of the chosen towers. A low-rank update leaves most of the
pre-trained weights' directions untouched, which is one of the ways peers keep CLIP's zero-shot accuracy while
learning compositional negatives.
"""

from __future__ import annotations

import re
from typing import Any

from torch import nn

TOWERS = ("both", "text", "vision")
ATTENTION_PROJECTIONS = ("q_proj", "k_proj", "v_proj", "out_proj")
_TOWER_MODULES = {"text": ("text_model",), "vision": ("vision_model",), "both": ("text_model", "vision_model")}


def lora_target_pattern(tower: str = "both") -> str:
    """A peft ``target_modules`` regex matching the attention projections of ``tower``'s encoder layers."""
    if tower not in TOWERS:
        raise ValueError(f"tower={tower!r} is not one of {list(TOWERS)}")
    towers = "|".join(_TOWER_MODULES[tower])
    projections = "|".join(ATTENTION_PROJECTIONS)
    return rf"(.*\.)?({towers})\.encoder\.layers\.\d+\.self_attn\.({projections})"


def apply_lora(model: nn.Module, rank: int = 16, alpha: float = 32.0, dropout: float = 0.0, tower: str = "both"):
    """Wrap ``model`` (a `CLIPModel`) in a peft model whose only trainable parameters are LoRA adapters.

    Args:
        rank: the adapters' rank r.
        alpha: LoRA's scaling numerator (the update is scaled by alpha / r).
        dropout: dropout on the adapters' input.
        tower: ``"both"``, ``"text"`` or ``"vision"``: whose attention projections get adapters.
    """
    from peft import LoraConfig, get_peft_model

    if rank < 1:
        raise ValueError(f"LoRA rank must be >= 1, got {rank}")
    if not 0 <= dropout < 1:
        raise ValueError(f"LoRA dropout must be in [0, 1), got {dropout}")
    pattern = lora_target_pattern(tower)
    if not any(re.fullmatch(pattern, name) for name, _ in model.named_modules()):
        raise ValueError(
            f"no module of {type(model).__name__} matches the LoRA targets {pattern!r}: is it a CLIPModel?"
        )
    config = LoraConfig(r=rank, lora_alpha=alpha, lora_dropout=dropout, target_modules=pattern, bias="none")
    return get_peft_model(model, config)


def is_peft_model(model: Any) -> bool:
    try:
        from peft import PeftModel
    except ImportError:
        return False
    return isinstance(model, PeftModel)


def merge_lora(model: nn.Module) -> nn.Module:
    """The plain model under a peft model, with the adapters folded into its weights (in place).

    The result has exactly the base model's parameter names, so ``save_pretrained`` writes a checkpoint that
    ``CLIPModel.from_pretrained`` loads with no peft installed. A model without adapters is returned as is.
    """
    if not is_peft_model(model):
        return model
    return model.merge_and_unload()
