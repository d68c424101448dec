"""Training CLIP with CE-CLIP's losses through the Hugging Face Trainer."""

from hf_compclip.training.ablation import ABLATION, ablation_overrides, summarise, summary_markdown
from hf_compclip.training.augment import RandomResizedCrop
from hf_compclip.training.callbacks import LogitScaleClampCallback
from hf_compclip.training.collator import CompositionalCLIPCollator
from hf_compclip.training.config import CompositionalCLIPConfig
from hf_compclip.training.freeze import freeze_tower
from hf_compclip.training.interpolation import (
    interpolate_checkpoints,
    interpolate_models,
    interpolate_state_dicts,
    plot_tradeoff,
    sweep_interpolation,
)
from hf_compclip.training.lora import apply_lora, merge_lora
from hf_compclip.training.plots import plot_training_curves
from hf_compclip.training.processes import end_processes
from hf_compclip.training.trainer import CompositionalCLIPTrainer

__all__ = [
    "ABLATION",
    "CompositionalCLIPCollator",
    "CompositionalCLIPConfig",
    "CompositionalCLIPTrainer",
    "LogitScaleClampCallback",
    "RandomResizedCrop",
    "ablation_overrides",
    "apply_lora",
    "end_processes",
    "freeze_tower",
    "interpolate_checkpoints",
    "interpolate_models",
    "interpolate_state_dicts",
    "merge_lora",
    "plot_tradeoff",
    "plot_training_curves",
    "summarise",
    "summary_markdown",
    "sweep_interpolation",
]
