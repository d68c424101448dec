"""`CompositionalCLIPTrainer`: the Hugging Face Trainer with CE-CLIP's loss, returning a plain `CLIPModel`."""

from __future__ import annotations

import copy
import json
import os
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from transformers import Trainer

from hf_compclip.losses import compositional_loss
from hf_compclip.training.callbacks import LogitScaleClampCallback
from hf_compclip.training.card import PLOT_NAME, card_inputs
from hf_compclip.training.collator import CompositionalCLIPCollator, check_columns
from hf_compclip.training.config import CompositionalCLIPConfig
from hf_compclip.training.freeze import freeze_tower
from hf_compclip.training.lora import apply_lora, is_peft_model, merge_lora

STATE_FILE = "compositional_state.json"
"""Written beside the optimizer state in every checkpoint: the CMR thresholds are training state."""


def _unnamed_slots(count: int) -> list[str]:
    return [f"negative_{k}" for k in range(count)]


def _negative_types_of(dataset: Any) -> list[str] | None:
    """Slot names from the dataset's ``negative_types`` column, or ``negative_<k>`` from the slot count."""
    if "negatives" not in (getattr(dataset, "column_names", None) or ()):
        return None  # also streaming datasets, whose columns are unknown: names then come from the first batch
    first = next(iter(dataset))
    names = first.get("negative_types")
    return list(names) if names else _unnamed_slots(len(first["negatives"]))


class CompositionalCLIPTrainer(Trainer):
    """Fine-tune any `CLIPModel` with CE-CLIP's losses (ITC with hard negatives, IMC, CMR).

    Args:
        model: a `CLIPModel` (or a peft model wrapping one).
        args: a [`CompositionalCLIPConfig`].
        train_dataset, eval_dataset: rows with ``image``, ``caption`` and, unless plain CLIP loss is configured,
            ``negatives``, ``negative_mask`` (and optionally ``negative_types``, used to name logged thresholds).
        processing_class: the model's `CLIPProcessor`; used by the default collator and saved with the model.
        evaluator: optional callable ``evaluator(model, processor) -> dict[str, float]`` run at every evaluation;
            its scores are logged with the ``eval_`` prefix, so ``metric_for_best_model`` can name them.
        card_data: facts for the model card the trainer cannot see itself: ``datasets``, ``negatives_generator``,
            ``negatives_quality``, ``license``, ``tags``, ``model_name``. The card (README.md) and the
            threshold/loss plot are written by `save_model` and `push_to_hub`.

    The captions and the valid negatives go through the model in one forward call (FSDP gathers parameters
    per forward call); the loss is exact under any number of processes (see `compositional_loss`); the CMR
    thresholds are saved in every checkpoint and restored on resume.
    """

    def __init__(
        self,
        model: nn.Module,
        args: CompositionalCLIPConfig | None = None,
        data_collator: Callable | None = None,
        train_dataset: Any = None,
        eval_dataset: Any = None,
        processing_class: Any = None,
        evaluator: Callable[[nn.Module, Any], dict[str, float]] | None = None,
        card_data: dict[str, Any] | None = None,
        callbacks: list | None = None,
        **kwargs: Any,
    ) -> None:
        args = args if args is not None else CompositionalCLIPConfig(output_dir="compclip-output")
        if not isinstance(args, CompositionalCLIPConfig):
            raise TypeError(f"args must be a CompositionalCLIPConfig, got {type(args).__name__}")
        image_column = getattr(data_collator, "image_column", "image")
        for name, dataset in (("train_dataset", train_dataset), ("eval_dataset", eval_dataset)):
            columns = getattr(dataset, "column_names", None)
            if columns is not None:
                check_columns(
                    columns, needs_negatives=args.uses_negatives, dataset_name=name, image_column=image_column
                )
        if data_collator is None:
            if processing_class is None:
                raise ValueError("pass the model's processor as processing_class (or a data_collator of your own)")
            max_length = args.text_max_length or model.config.text_config.max_position_embeddings
            data_collator = CompositionalCLIPCollator(
                processing_class, max_length=max_length, with_negatives=args.uses_negatives
            )
        callbacks = [*(callbacks or []), LogitScaleClampCallback(args.max_logit_scale)]
        freeze_tower(model, args.freeze_tower)
        if args.lora_rank and not is_peft_model(model):
            model = apply_lora(model, args.lora_rank, args.lora_alpha, args.lora_dropout, args.lora_tower)
        eval_strategy = args.eval_strategy
        if evaluator is not None and eval_dataset is None:
            args.eval_strategy = "no"  # the Trainer asks for an eval_dataset; here the evaluator is the evaluation
        super().__init__(
            model=model,
            args=args,
            data_collator=data_collator,
            train_dataset=train_dataset,
            eval_dataset=eval_dataset,
            processing_class=processing_class,
            callbacks=callbacks,
            **kwargs,
        )
        args.eval_strategy = eval_strategy
        self.loss_is_scaled_for_ga = False  # our loss is a per-batch mean: divide by the accumulation steps
        if self.is_fsdp_enabled and is_peft_model(self.model):
            raise ValueError(
                "LoRA under FSDP is not supported: merging on save needs whole weights. Use DDP or DeepSpeed ZeRO-2 "
                "(the adapters are small; sharding them saves nothing)."
            )
        self.evaluator = evaluator
        self.card_data = dict(card_data or {})
        self.last_eval_scores: dict[str, float] = {}
        self.negative_types = _negative_types_of(train_dataset) or _negative_types_of(eval_dataset) or []
        self.thresholds = torch.zeros(len(self.negative_types))
        self._metrics: dict[str, dict[str, list[float]]] = {"train": defaultdict(list), "eval": defaultdict(list)}

    # ----------------------------------------------------------------------------------------------- the loss
    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        num_images = inputs["pixel_values"].shape[0]
        negative_mask = inputs.get("negative_mask")
        input_ids, attention_mask = inputs["input_ids"], inputs["attention_mask"]
        if negative_mask is not None:
            input_ids = torch.cat([input_ids, inputs["negative_input_ids"]])
            attention_mask = torch.cat([attention_mask, inputs["negative_attention_mask"]])
        outputs = model(input_ids=input_ids, attention_mask=attention_mask, pixel_values=inputs["pixel_values"])
        captions = outputs.text_embeds[:num_images]
        negatives = None
        if negative_mask is not None:
            negatives = captions.new_zeros((*negative_mask.shape, captions.shape[-1]))
            negatives[negative_mask] = outputs.text_embeds[num_images:]
        logit_scale = self.accelerator.unwrap_model(model).logit_scale.exp()
        if len(self.thresholds) == 0 and negative_mask is not None:
            self.negative_types = _unnamed_slots(negative_mask.shape[1])
            self.thresholds = torch.zeros(negative_mask.shape[1])
        out = compositional_loss(
            outputs.image_embeds, captions, negatives, negative_mask, logit_scale, self.thresholds,
            **self.args.loss_kwargs(),
        )  # fmt: skip
        if not torch.isfinite(out.loss):
            raise FloatingPointError(
                f"CE-CLIP loss is {out.loss.item()} at step {self.state.global_step} (itc={out.itc_loss.item():.4g}, "
                f"imc={out.imc_loss.item():.4g}, cmr={out.cmr_loss.item():.4g}, logit_scale={logit_scale.item():.4g}). "
                "Lower the learning rate, prefer bf16 to fp16, and resume from the last checkpoint."
            )
        mode = "train" if model.training else "eval"
        if model.training:
            self.thresholds = out.thresholds
        self._record(mode, out, logit_scale, negative_mask)
        return (out.loss, outputs) if return_outputs else out.loss

    def _record(self, mode: str, out, logit_scale: torch.Tensor, negative_mask: torch.Tensor | None) -> None:
        metrics = self._metrics[mode]
        for name in ("itc_loss", "imc_loss", "cmr_loss"):
            metrics[name].append(getattr(out, name).item())
        metrics["logit_scale"].append(logit_scale.item())
        if negative_mask is None:
            return
        metrics["valid_negatives"].append(negative_mask.float().mean().item())
        if mode == "train":
            for name, value in zip(self.negative_types, out.thresholds.tolist(), strict=True):
                metrics[f"threshold/{name}"].append(value)

    def _flush(self, mode: str, prefix: str = "") -> dict[str, float]:
        """The means of ``mode``'s recorded terms since the last flush, keyed ``prefix + name``."""
        means = {
            f"{prefix}{name}": sum(values) / len(values) for name, values in self._metrics[mode].items() if values
        }
        self._metrics[mode].clear()
        return means

    def log(self, logs: dict[str, float], start_time: float | None = None) -> None:
        # Training logs carry "loss" (periodic) or "train_loss" (the summary, which takes the steps since the last
        # periodic log); evaluation terms join their own loop's metrics instead (see `evaluation_loop`), under
        # whatever prefix evaluate() or predict() was given.
        if "loss" in logs or "train_loss" in logs:
            logs.update(self._flush("train"))
        super().log(logs, start_time)

    def prediction_step(self, model, inputs, prediction_loss_only, ignore_keys=None):
        inputs = self._prepare_inputs(inputs)
        with torch.no_grad(), self.compute_loss_context_manager():
            loss = self.compute_loss(model, inputs)
        return loss.detach(), None, None

    def evaluate(self, eval_dataset=None, ignore_keys=None, metric_key_prefix: str = "eval") -> dict[str, float]:
        """The Trainer's evaluation (loss terms on ``eval_dataset``) plus the evaluator's scores.

        With an ``eval_dataset`` the scores join the Trainer's own metrics (see `evaluation_loop`), so one log
        entry and one ``on_evaluate`` event carry both. Without one, only the evaluator runs, and its scores
        are logged and passed to ``on_evaluate`` here, so early stopping and best-model tracking see them.
        With a dict of datasets, the Trainer evaluates each under its own prefix while the evaluator, which
        depends on none of them, runs once, under ``metric_key_prefix``.
        """
        datasets = eval_dataset if eval_dataset is not None else self.eval_dataset
        several = isinstance(datasets, dict) and self.evaluator is not None
        if datasets is not None and not several:
            return super().evaluate(eval_dataset, ignore_keys, metric_key_prefix)
        metrics = {}
        if several:
            evaluator, self.evaluator = self.evaluator, None
            try:
                metrics = super().evaluate(eval_dataset, ignore_keys, metric_key_prefix)
            finally:
                self.evaluator = evaluator
        scores = self._evaluator_scores(metric_key_prefix)
        if scores:
            self.log(scores)
            self.control = self.callback_handler.on_evaluate(self.args, self.state, self.control, scores)
        metrics.update(scores)
        return metrics

    def evaluation_loop(
        self, dataloader, description, prediction_loss_only=None, ignore_keys=None, metric_key_prefix: str = "eval"
    ):
        output = super().evaluation_loop(dataloader, description, prediction_loss_only, ignore_keys, metric_key_prefix)
        output.metrics.update(self._flush("eval", prefix=f"{metric_key_prefix}_"))
        output.metrics.update(self._evaluator_scores(metric_key_prefix))
        return output

    def _evaluator_scores(self, prefix: str) -> dict[str, float]:
        if self.evaluator is None:
            return {}
        model = self.accelerator.unwrap_model(self.model)
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                scores = self.evaluator(model, self.processing_class)
        finally:
            model.train(was_training)
        prefixed = {f"{prefix}_{name}": value for name, value in scores.items()}
        if prefix == "eval":  # the card reports evaluation scores, not a predict() or a "test" run
            self.last_eval_scores = prefixed
        return prefixed

    # ---------------------------------------------------------------------------------------- the optimizer
    def get_decay_parameter_names(self, model: nn.Module) -> list[str]:
        """Weight matrices only: no decay on 1-d parameters (gains, biases), embedding tables or logit_scale."""
        embedding_tables = {
            f"{module_name}.weight" if module_name else "weight"
            for module_name, module in model.named_modules()
            if isinstance(module, nn.Embedding)
        }
        return [
            name
            for name, parameter in model.named_parameters()
            if parameter.ndim >= 2 and name not in embedding_tables and not name.endswith("logit_scale")
        ]

    # ------------------------------------------------------------------------------------- saving the model
    def save_model(self, output_dir: str | None = None, _internal_call: bool = False) -> None:
        """Checkpoints keep LoRA adapters (so training resumes); a final save merges them into a plain CLIPModel
        and writes the model card and the threshold/loss plot beside it."""
        model = self.accelerator.unwrap_model(self.model)
        output_dir = output_dir if output_dir is not None else self.args.output_dir
        if _internal_call or not is_peft_model(model):
            super().save_model(output_dir, _internal_call)
        elif self.args.should_save:
            merge_lora(copy.deepcopy(model)).save_pretrained(output_dir)
            if self.processing_class is not None:
                self.processing_class.save_pretrained(output_dir)
        if not _internal_call:
            if self.args.should_save:
                self.write_model_card(output_dir)
            self.accelerator.wait_for_everyone()

    # ---------------------------------------------------------------------------- thresholds in checkpoints
    def _save_optimizer_and_scheduler(self, output_dir: str) -> None:
        super()._save_optimizer_and_scheduler(output_dir)
        if self.args.should_save:
            state = {"negative_types": self.negative_types, "thresholds": self.thresholds.tolist()}
            with open(os.path.join(output_dir, STATE_FILE), "w") as file:
                json.dump(state, file, indent=2)

    def _load_optimizer_and_scheduler(self, checkpoint: str | None) -> None:
        super()._load_optimizer_and_scheduler(checkpoint)
        if checkpoint is None:
            return
        path = os.path.join(checkpoint, STATE_FILE)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{path} is missing: this checkpoint has no CMR thresholds to resume from")
        with open(path) as file:
            state = json.load(file)
        self.negative_types = state["negative_types"]
        self.thresholds = torch.tensor(state["thresholds"], dtype=torch.float32)

    # ------------------------------------------------------------------------------ model card and the Hub
    def write_model_card(self, output_dir: str, repo_id: str | None = None) -> str:
        """Write README.md (and the threshold/loss plot it shows) into ``output_dir``; return the card's path."""
        from hf_compclip.hub import save_model_card
        from hf_compclip.training.plots import plot_training_curves, training_curves

        plot = None
        if training_curves(self.state.log_history):
            plot = str(plot_training_curves(self.state.log_history, os.path.join(output_dir, PLOT_NAME)))
        model = self.accelerator.unwrap_model(self.model)
        inputs = card_inputs(
            base_model=getattr(model.config, "_name_or_path", None) or None,
            args=self.args,
            world_size=self.args.world_size,
            global_step=self.state.global_step,
            eval_scores=self.last_eval_scores,
            card_data=self.card_data,
            threshold_plot=plot,
        )
        return str(save_model_card(output_dir, repo_id=repo_id, **inputs))

    def push_to_hub(
        self,
        commit_message: str | None = "End of training",
        blocking: bool = True,
        token=None,
        revision=None,
        **kwargs,
    ):
        """Save the plain CLIPModel, processor and card to ``output_dir``, then upload that folder.

        A failed upload raises `hf_compclip.hub.PushError` and leaves the saved folder as it is.
        """
        from hf_compclip.hub import push_model

        repo_id = self.args.hub_model_id
        if not repo_id or "/" not in repo_id:
            raise ValueError(
                f"hub_model_id={repo_id!r}: set it to the full repository id, 'org_or_user/name', to push"
            )
        self.save_model()  # the final save: LoRA merged into a plain CLIPModel, processor, card and plot
        if not self.args.should_save:
            return None
        self.write_model_card(self.args.output_dir, repo_id=repo_id)
        return push_model(
            self.args.output_dir,
            repo_id,
            token=token or self.args.hub_token,
            private=self.args.hub_private_repo,
            commit_message=commit_message or "Upload CE-CLIP model",
            revision=revision,
            **kwargs,
        )
