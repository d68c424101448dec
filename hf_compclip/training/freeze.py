"""Freezing one tower of a `CLIPModel`: the cheapest way to keep part of its zero-shot ability.

Fine-tuning on hard-negative captions mostly needs the text side to tell "dog on a couch" from "couch on a
dog"; freezing the vision tower keeps the image embedding space the zero-shot classifier was built for. The
logit scale stays trainable (it is clamped by the trainer anyway).
"""

from __future__ import annotations

from torch import nn

FREEZABLE = ("none", "text", "vision")
_TOWER_PREFIXES = {"text": ("text_model.", "text_projection."), "vision": ("vision_model.", "visual_projection.")}


def freeze_tower(model: nn.Module, tower: str) -> list[str]:
    """Set ``requires_grad=False`` on every parameter of ``tower`` (its encoder and projection); return their names.

    ``tower="none"`` freezes nothing. Works on a `CLIPModel` or any wrapper whose parameter names end in the
    CLIP names (a peft model's ``base_model.model.text_model...``).
    """
    if tower not in FREEZABLE:
        raise ValueError(f"tower={tower!r} is not one of {list(FREEZABLE)}")
    if tower == "none":
        return []
    prefixes = _TOWER_PREFIXES[tower]
    frozen = []
    for name, parameter in model.named_parameters():
        if name.removeprefix("base_model.model.").startswith(prefixes):
            parameter.requires_grad_(False)
            frozen.append(name)
    if not frozen:
        raise ValueError(f"{type(model).__name__} has no parameter under {prefixes}: is it a CLIPModel?")
    return frozen
