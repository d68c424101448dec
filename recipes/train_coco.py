"""CE-CLIP's COCO recipe: fine-tune CLIP on COCO-2014 captions with typed hard negatives, on one GPU or many.

    accelerate launch recipes/train_coco.py \
        --annotation_file coco/annotations/captions_train2014.json --image_dir coco --output_dir ce-clip-coco

The paper's hyperparameters come from ``recipes/configs/ce_clip_coco.yaml`` (``--config`` picks another file,
``--config none`` none at all); any flag on the command line overrides the file. Distributed setups are
accelerate config files in ``recipes/configs/accelerate/`` (DDP, FSDP, DeepSpeed ZeRO-2, multi-node).
See docs/coco.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shutil
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path

import yaml
from transformers import CLIPModel, CLIPProcessor, HfArgumentParser
from transformers.trainer_utils import get_last_checkpoint

from hf_compclip.data.coco import ANNOTATION_FORMATS, read_coco_captions
from hf_compclip.training import (
    CompositionalCLIPCollator,
    CompositionalCLIPConfig,
    CompositionalCLIPTrainer,
    end_processes,
)
from hf_compclip.training.augment import RandomResizedCrop

logger = logging.getLogger("train_coco")
DEFAULT_CONFIG = Path(__file__).parent / "configs" / "ce_clip_coco.yaml"
NEGATIVE_SOURCES = ("paper", "rules", "negclip", "none")


@dataclass
class ModelArguments:
    model_name_or_path: str = field(
        default="openai/clip-vit-base-patch32",
        metadata={"help": "Hub id or folder of the CLIPModel to fine-tune (safetensors weights only)."},
    )
    attn_implementation: str | None = field(
        default=None, metadata={"help": "Attention kernel passed to from_pretrained ('sdpa', 'eager'...)."}
    )


@dataclass
class DataArguments:
    annotation_file: str = field(
        metadata={
            "help": "COCO captions json: official captions_train2014.json, Karpathy dataset_coco.json or a list."
        }
    )
    image_dir: str = field(metadata={"help": "Folder holding train2014/ (and val2014/ for Karpathy's restval)."})
    annotation_format: str = field(
        default="auto", metadata={"help": "Layout of annotation_file.", "choices": list(ANNOTATION_FORMATS)}
    )
    karpathy_splits: str = field(
        default="train,restval", metadata={"help": "Karpathy splits to train on (comma-separated)."}
    )
    skip_missing_images: bool = field(
        default=False,
        metadata={
            "help": "Drop captions whose image is missing or unreadable (counted in the log) instead of failing."
        },
    )
    negatives: str = field(
        default="paper",
        metadata={
            "help": "Hard-negative source: 'paper' (spaCy + fill-mask), 'rules' (no model), 'negclip' (a NegCLIP TSV, "
            "--negclip_tsv) or 'none' (plain CLIP loss: set itc_negatives none, imc_weight 0, cmr_weight 0).",
            "choices": list(NEGATIVE_SOURCES),
        },
    )
    negclip_tsv: str | None = field(default=None, metadata={"help": "NegCLIP TSV for --negatives negclip."})
    max_train_samples: int | None = field(
        default=None, metadata={"help": "Train on the first N captions only (a quick try)."}
    )
    global_batch_size: int = field(
        default=0,
        metadata={
            "help": "Batch over all processes (the paper: 256); sets per_device_train_batch_size = global / "
            "processes. 0 keeps per_device_train_batch_size."
        },
    )
    min_crop_scale: float = field(
        default=0.9, metadata={"help": "RandomResizedCrop scale (min, 1.0); 1.0 disables the crop."}
    )
    dataset_cache_dir: str | None = field(
        default=None,
        metadata={
            "help": "Where captions and negatives are cached (default: $HF_COMPCLIP_CACHE or ~/.cache/hf_compclip)."
        },
    )
    preprocessing_num_workers: int | None = field(default=None, metadata={"help": "Processes generating negatives."})


def parse_args(argv: list[str]) -> tuple[ModelArguments, DataArguments, CompositionalCLIPConfig]:
    """Dataclass arguments from ``--config`` (a YAML of defaults) overridden by the command line."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--config", default=str(DEFAULT_CONFIG))
    known, rest = pre.parse_known_args(argv)
    parser = HfArgumentParser((ModelArguments, DataArguments, CompositionalCLIPConfig))
    parser.add_argument("--config", default=str(DEFAULT_CONFIG), help="YAML of defaults, or 'none'.")
    if known.config.lower() != "none":
        defaults = yaml.safe_load(Path(known.config).read_text()) or {}
        known_names = {f.name for cls in (ModelArguments, DataArguments, CompositionalCLIPConfig) for f in fields(cls)}
        unknown = sorted(set(defaults) - known_names)
        if unknown:
            raise SystemExit(f"{known.config}: unknown keys {unknown} (not arguments of the recipe)")
        parser.set_defaults(**defaults)
        for action in parser._actions:
            if action.dest in defaults:
                action.required = False
    # The outputs: the three dataclasses, a namespace holding --config, and what no parser claimed.
    model_args, data_args, training_args, _, extra = parser.parse_args_into_dataclasses(
        rest, return_remaining_strings=True
    )
    if extra:
        raise SystemExit(f"unknown arguments: {extra}")
    return model_args, data_args, training_args


def apply_global_batch(data_args: DataArguments, training_args: CompositionalCLIPConfig) -> None:
    if data_args.global_batch_size <= 0:
        return
    world = training_args.world_size
    if data_args.global_batch_size % world:
        raise SystemExit(f"global_batch_size {data_args.global_batch_size} is not divisible by {world} processes")
    training_args.per_device_train_batch_size = data_args.global_batch_size // world
    logger.info(
        f"global batch {data_args.global_batch_size} = {world} processes x {data_args.global_batch_size // world}"
    )


def _cache_root(data_args: DataArguments) -> Path:
    default = os.environ.get("HF_COMPCLIP_CACHE", str(Path.home() / ".cache" / "hf_compclip"))
    return Path(data_args.dataset_cache_dir or default).expanduser() / "coco"


def caption_dataset(data_args: DataArguments):
    """The caption rows as a file-backed dataset, cached by the annotation file and the options that change rows.

    File-backed matters: ``datasets`` caches the negatives' ``map`` only for datasets on disk, and the paper
    generator takes hours on 414k captions. The image check is part of what is cached; its counts are kept in
    ``skipped.json`` beside the rows and logged on every run.
    """
    from datasets import load_from_disk

    annotation = Path(data_args.annotation_file).resolve()
    if not annotation.is_file():
        raise SystemExit(f"annotation file {annotation} does not exist")
    stat = annotation.stat()
    identity = [str(annotation), stat.st_size, stat.st_mtime_ns, str(Path(data_args.image_dir).resolve()),
                data_args.annotation_format, data_args.karpathy_splits, data_args.skip_missing_images,
                data_args.max_train_samples]  # fmt: skip
    key = hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:16]
    folder = _cache_root(data_args) / f"captions-{key}"
    if not (folder / "dataset_info.json").exists():
        captions = read_coco_captions(
            annotation,
            data_args.image_dir,
            annotation_format=data_args.annotation_format,
            splits=[split.strip() for split in data_args.karpathy_splits.split(",")],
            skip_missing_images=data_args.skip_missing_images,
            max_samples=data_args.max_train_samples,
        )
        scratch = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
        captions.to_dataset().save_to_disk(str(scratch))
        skipped = {"skipped_captions": captions.skipped_captions, "skipped_images": captions.skipped_images}
        (scratch / "skipped.json").write_text(json.dumps(skipped, indent=1))
        try:
            scratch.rename(folder)
        except OSError:  # another process got there first: its copy is the same
            shutil.rmtree(scratch, ignore_errors=True)
    skipped = json.loads((folder / "skipped.json").read_text())
    dataset = load_from_disk(str(folder))
    logger.info(
        f"{len(dataset)} captions from {annotation}; skipped {skipped['skipped_captions']} captions of "
        f"{len(skipped['skipped_images'])} missing or unreadable images"
    )
    return dataset


def with_negatives(dataset, data_args: DataArguments):
    if data_args.negatives == "none":
        return dataset
    from hf_compclip.negatives import add_hard_negatives, load_generator

    options = {}
    if data_args.negatives == "negclip":
        if not data_args.negclip_tsv:
            raise SystemExit("--negatives negclip needs --negclip_tsv PATH (NegCLIP's train_neg_clip.tsv)")
        options["path"] = data_args.negclip_tsv
    generator = load_generator(data_args.negatives, **options)
    return add_hard_negatives(dataset, generator, num_proc=data_args.preprocessing_num_workers)


def main(argv: list[str] | None = None) -> int:
    model_args, data_args, training_args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    logger.setLevel(logging.INFO if training_args.should_log else logging.WARNING)
    apply_global_batch(data_args, training_args)

    with training_args.main_process_first(desc="COCO captions and hard negatives"):
        train_dataset = with_negatives(caption_dataset(data_args), data_args)

    model = CLIPModel.from_pretrained(
        model_args.model_name_or_path, use_safetensors=True, attn_implementation=model_args.attn_implementation
    )
    processor = CLIPProcessor.from_pretrained(model_args.model_name_or_path)
    crop_size = processor.image_processor.crop_size
    collator = CompositionalCLIPCollator(
        processor,
        max_length=training_args.text_max_length or model.config.text_config.max_position_embeddings,
        with_negatives=training_args.uses_negatives,
        image_transform=RandomResizedCrop(
            (crop_size["width"], crop_size["height"]), scale=(data_args.min_crop_scale, 1.0)
        ),
    )
    trainer = CompositionalCLIPTrainer(
        model=model,
        args=training_args,
        data_collator=collator,
        train_dataset=train_dataset,
        processing_class=processor,
    )

    checkpoint = training_args.resume_from_checkpoint
    if checkpoint in ("last", "true", "True"):
        checkpoint = get_last_checkpoint(training_args.output_dir)
        if checkpoint is None:
            raise SystemExit(
                f"--resume_from_checkpoint {training_args.resume_from_checkpoint}: no checkpoint in {training_args.output_dir}"
            )
    result = trainer.train(resume_from_checkpoint=checkpoint)
    trainer.save_model()  # merges LoRA adapters, writes the model card and the threshold/loss plot
    trainer.log_metrics("train", result.metrics)
    trainer.save_metrics("train", result.metrics)
    trainer.save_state()
    del trainer, model
    end_processes()
    return 0


if __name__ == "__main__":
    sys.exit(main())
