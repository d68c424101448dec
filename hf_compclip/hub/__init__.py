"""Sharing models: cards written from what training did, Hub pushes, and open_clip checkpoint conversion."""

from .card import card_eval_results, eval_results_to_hub, render_model_card, save_model_card
from .clip_tokenizer import openai_clip_tokenizer
from .open_clip_architectures import OPEN_CLIP_ARCHITECTURES, OpenClipArchitecture
from .open_clip_checkpoint import detect_activation, load_open_clip_checkpoint
from .open_clip_convert import convert_open_clip_checkpoint, convert_open_clip_state_dict
from .push import PushError, push_model

__all__ = [
    "OPEN_CLIP_ARCHITECTURES",
    "OpenClipArchitecture",
    "PushError",
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
