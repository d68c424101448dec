"""Training CLIP with CE-CLIP's losses through the Hugging Face Trainer."""

from hf_compclip.training.callbacks import LogitScaleClampCallback
from hf_compclip.training.collator import CompositionalCLIPCollator
from hf_compclip.training.config import CompositionalCLIPConfig
from hf_compclip.training.trainer import CompositionalCLIPTrainer

__all__ = [
    "CompositionalCLIPCollator",
    "CompositionalCLIPConfig",
    "CompositionalCLIPTrainer",
    "LogitScaleClampCallback",
]
