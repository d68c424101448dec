"""Training arguments of CE-CLIP: the loss options on top of ``TrainingArguments``, with the paper's recipe as defaults."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from transformers import TrainingArguments

logger = logging.getLogger(__name__)

_CHOICES = {
    "itc_negatives": ("batch", "own", "none"),
    "imc_negatives": ("own", "batch"),
    "threshold_mode": ("mean", "max", "fixed"),
    "lora_tower": ("both", "text", "vision"),
    "freeze_tower": ("none", "text", "vision"),
}


@dataclass
class CompositionalCLIPConfig(TrainingArguments):
    r"""Configuration of [`CompositionalCLIPTrainer`].

    The loss fields select CE-CLIP's terms, so every row of the paper's ablation is a configuration:

    | row        | `itc_negatives` | `imc_weight` | `cmr_weight` |
    |------------|-----------------|--------------|--------------|
    | itc        | `"none"`        | 0            | 0            |
    | itc(hn)    | `"batch"`       | 0            | 0            |
    | +IMC       | `"batch"`       | 0.3          | 0            |
    | +CMR       | `"batch"`       | 0            | 0.2          |
    | all (paper)| `"batch"`       | 0.3          | 0.2          |

    The optimisation defaults are the paper's COCO recipe (AdamW lr 5e-6, betas (0.9, 0.98), eps 1e-6, weight decay 0.1
    on weight matrices only, cosine schedule, 50 warmup steps). Two `TrainingArguments` defaults are changed because the
    loss needs them: `remove_unused_columns=False` (the Trainer would drop the negative captions) and
    `dataloader_drop_last=True` (padding the last batch with repeated samples creates false negatives).
    """

    imc_weight: float = field(
        default=0.3,
        metadata={
            "help": "Weight of the intra-modal contrastive loss (0 switches it off). The released script uses 0.3."
        },
    )
    cmr_weight: float = field(
        default=0.2,
        metadata={"help": "Weight of the cross-modal rank loss (0 switches it off). The released script uses 0.2."},
    )
    itc_negatives: str = field(
        default="batch",
        metadata={
            "help": "Hard negatives in the image->text softmax: 'batch' (every valid negative of the global batch, as "
            "the official code), 'own' (only the image's own) or 'none' (plain CLIP loss).",
            "choices": list(_CHOICES["itc_negatives"]),
        },
    )
    imc_negatives: str = field(
        default="own",
        metadata={
            "help": "Negatives of the intra-modal loss: 'own' (the caption's own hard negatives, the paper) or 'batch' "
            "(every valid hard negative of the global batch).",
            "choices": list(_CHOICES["imc_negatives"]),
        },
    )
    threshold_mode: str = field(
        default="mean",
        metadata={
            "help": "CMR thresholds: 'mean' (adaptive, the paper), 'max' (max gap / 5, official code) or 'fixed'.",
            "choices": list(_CHOICES["threshold_mode"]),
        },
    )
    threshold_upper_bound: float = field(
        default=10.0,
        metadata={"help": "Cap of the adaptive thresholds in logit units (10 = cosine margin 0.1 at scale 100)."},
    )
    fixed_threshold: float = field(default=2.0, metadata={"help": "Margin of threshold_mode='fixed', in logit units."})
    max_logit_scale: float = field(
        default=100.0,
        metadata={"help": "logit_scale.exp() is clamped to this after every optimizer step, as in CLIP's training."},
    )
    text_max_length: int | None = field(
        default=None,
        metadata={
            "help": "Token length captions are truncated to; defaults to the model's text positions (77 for CLIP)."
        },
    )
    lora_rank: int = field(
        default=0,
        metadata={
            "help": "Rank of LoRA adapters on the attention projections (q/k/v/out_proj); 0 fine-tunes every weight. "
            "save_model merges the adapters, so the saved model is a plain CLIPModel."
        },
    )
    lora_alpha: float = field(default=32.0, metadata={"help": "LoRA scaling numerator (updates scale by alpha/rank)."})
    lora_dropout: float = field(default=0.0, metadata={"help": "Dropout on the LoRA adapters' input."})
    lora_tower: str = field(
        default="both",
        metadata={
            "help": "Which tower gets LoRA adapters: 'both', 'text' or 'vision'.",
            "choices": ["both", "text", "vision"],
        },
    )
    freeze_tower: str = field(
        default="none",
        metadata={
            "help": "Freeze a whole tower (encoder and projection) to keep its zero-shot embedding space: 'none', "
            "'text' or 'vision'. For LoRA, choose lora_tower instead.",
            "choices": ["none", "text", "vision"],
        },
    )

    learning_rate: float = field(default=5e-6, metadata={"help": "AdamW learning rate (the paper: 5e-6)."})
    adam_beta2: float = field(default=0.98, metadata={"help": "AdamW beta2 (the paper: 0.98)."})
    adam_epsilon: float = field(default=1e-6, metadata={"help": "AdamW epsilon (the paper: 1e-6)."})
    weight_decay: float = field(
        default=0.1,
        metadata={"help": "Weight decay on weight matrices; gains, biases, embeddings and logit_scale get none."},
    )
    warmup_steps: float = field(default=50, metadata={"help": "Linear warmup steps (the paper: 50)."})
    lr_scheduler_type: str = field(default="cosine", metadata={"help": "Learning-rate schedule (the paper: cosine)."})
    remove_unused_columns: bool = field(
        default=False, metadata={"help": "Kept False: the collator needs the negative-caption columns."}
    )
    dataloader_drop_last: bool = field(
        default=True,
        metadata={"help": "Drop the last incomplete batch: padded batches repeat samples (false negatives)."},
    )

    def __post_init__(self) -> None:
        for name, choices in _CHOICES.items():
            if getattr(self, name) not in choices:
                raise ValueError(f"{name}={getattr(self, name)!r} is not one of {', '.join(map(repr, choices))}")
        for name in ("imc_weight", "cmr_weight", "fixed_threshold"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.threshold_upper_bound <= 0:
            raise ValueError(f"threshold_upper_bound must be > 0, got {self.threshold_upper_bound}")
        if self.lora_rank < 0 or not 0 <= self.lora_dropout < 1:
            raise ValueError(
                f"lora_rank must be >= 0 and lora_dropout in [0, 1), got {self.lora_rank} and {self.lora_dropout}"
            )
        if self.lora_rank and self.freeze_tower != "none":
            raise ValueError(
                "freeze_tower does not combine with LoRA (LoRA already freezes every base weight): set "
                f"lora_tower={'text' if self.freeze_tower == 'vision' else 'vision'!r} to adapt one tower only"
            )
        if self.max_logit_scale <= 1:
            raise ValueError(f"max_logit_scale must be > 1 (it is exp(logit_scale)), got {self.max_logit_scale}")
        if self.remove_unused_columns:
            logger.warning(
                "remove_unused_columns=True would drop the negative captions before the collator sees them; "
                "setting it to False."
            )
            self.remove_unused_columns = False
        if not self.dataloader_drop_last:
            logger.warning(
                "dataloader_drop_last=False: an incomplete last batch is padded with repeated samples under several "
                "processes, which become false negatives of the contrastive loss. Set it to True to silence this."
            )
        super().__post_init__()

    @property
    def uses_negatives(self) -> bool:
        """Whether training needs hard-negative captions at all (plain CLIP loss does not)."""
        return self.itc_negatives != "none" or self.imc_weight > 0 or self.cmr_weight > 0

    def loss_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of `hf_compclip.losses.compositional_loss` this configuration sets."""
        return {
            "imc_weight": self.imc_weight,
            "cmr_weight": self.cmr_weight,
            "itc_negatives": self.itc_negatives,
            "imc_negatives": self.imc_negatives,
            "threshold_mode": self.threshold_mode,
            "threshold_upper_bound": self.threshold_upper_bound,
            "fixed_threshold": self.fixed_threshold,
        }
