"""Sharing models: cards written from what training did, Hub pushes, and open_clip checkpoint conversion.

Names load on first use (PEP 562) so that ``hf-compclip --help``, which imports this package's commands,
does not pay for importing transformers' model and image-processing stack.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "card_eval_results": ".card",
    "eval_results_to_hub": ".card",
    "render_model_card": ".card",
    "save_model_card": ".card",
    "openai_clip_tokenizer": ".clip_tokenizer",
    "OPEN_CLIP_ARCHITECTURES": ".open_clip_architectures",
    "OpenClipArchitecture": ".open_clip_architectures",
    "architecture_from_open_clip_config": ".open_clip_architectures",
    "detect_activation": ".open_clip_checkpoint",
    "load_open_clip_checkpoint": ".open_clip_checkpoint",
    "convert_open_clip_checkpoint": ".open_clip_convert",
    "convert_open_clip_state_dict": ".open_clip_convert",
    "PushError": ".push",
    "push_model": ".push",
}

__all__ = [
    "OPEN_CLIP_ARCHITECTURES",
    "OpenClipArchitecture",
    "PushError",
    "architecture_from_open_clip_config",
    "card_eval_results",
    "convert_open_clip_checkpoint",
    "convert_open_clip_state_dict",
    "detect_activation",
    "eval_results_to_hub",
    "load_open_clip_checkpoint",
    "openai_clip_tokenizer",
    "push_model",
    "render_model_card",
    "save_model_card",
]

if TYPE_CHECKING:
    from .card import card_eval_results, eval_results_to_hub, render_model_card, save_model_card
    from .clip_tokenizer import openai_clip_tokenizer
    from .open_clip_architectures import (
        OPEN_CLIP_ARCHITECTURES,
        OpenClipArchitecture,
        architecture_from_open_clip_config,
    )
    from .open_clip_checkpoint import detect_activation, load_open_clip_checkpoint
    from .open_clip_convert import convert_open_clip_checkpoint, convert_open_clip_state_dict
    from .push import PushError, push_model


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
