"""hf_compclip: fine-tune CLIP for compositional understanding with CE-CLIP, the Hugging Face way.

The public API is re-exported here and imported lazily, so ``hf-compclip --help`` and a plain
``import hf_compclip`` stay fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "compositional_loss": "hf_compclip.losses",
    "CompositionalLossOutput": "hf_compclip.losses",
    "CompositionalCLIPConfig": "hf_compclip.training",
    "CompositionalCLIPTrainer": "hf_compclip.training",
    "CompositionalCLIPCollator": "hf_compclip.training",
    "CompositionalEvaluator": "hf_compclip.evaluation",
    "add_hard_negatives": "hf_compclip.negatives",
    "load_generator": "hf_compclip.negatives",
    "render_model_card": "hf_compclip.hub",
    "save_model_card": "hf_compclip.hub",
    "push_model": "hf_compclip.hub",
    "convert_open_clip_checkpoint": "hf_compclip.hub",
    "WorldConfig": "hf_compclip.data",
    "build_shapes_dataset": "hf_compclip.data",
    "write_shapes_benchmark": "hf_compclip.data",
    "build_shapes_clip": "hf_compclip.data",
    "read_coco_captions": "hf_compclip.data",
    "build_tiny_clip": "hf_compclip.tiny",
    "train_clip_tokenizer": "hf_compclip.tiny",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'hf_compclip' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)


def __dir__() -> list[str]:
    return sorted(__all__)
