"""Training samples per second: the recipe's trainer against a minimal hand-written PyTorch loop, and the
valid-negative packing of the collator against encoding every negative slot.

Both loops run the same model (same initial weights), the same CE-CLIP loss, the same optimizer settings
(AdamW, weight decay on weight matrices only, logit-scale clamp) on the same pre-collated batches, so the
ratio is the framework's own overhead (Trainer bookkeeping, callbacks, logging, accelerate wrapping).
Packing is measured in the hand-written loop: "packed" encodes only the valid negatives (the collator's
output), "unpacked" encodes all K slots of every caption and masks the invalid ones in the loss.

    python benchmarks/train_throughput.py                                   # tiny model, CPU
    python benchmarks/train_throughput.py --preset base --batch-size 256 --device cuda --bf16   # ViT-B/32 size
"""

from __future__ import annotations

import argparse
import copy
import math
import random
import time

import torch
from PIL import Image
from transformers import TrainerCallback

from hf_compclip.losses import compositional_loss
from hf_compclip.tiny import SIZE_PRESETS, build_tiny_clip
from hf_compclip.training import CompositionalCLIPCollator, CompositionalCLIPConfig, CompositionalCLIPTrainer

WORDS = [
    "a",
    "man",
    "woman",
    "dog",
    "cat",
    "red",
    "blue",
    "small",
    "large",
    "riding",
    "sitting",
    "on",
    "under",
    "next",
    "to",
    "the",
    "table",
    "street",
    "horse",
]
TYPES = ("relation", "attribute", "object", "action")


def make_rows(count: int, image_size: int, seed: int) -> list[dict]:
    """Rows with 4 typed negative slots, about 70% of them valid (the paper's data has invalid slots too)."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        caption = " ".join(rng.choices(WORDS, k=rng.randint(6, 14)))
        mask = [rng.random() < 0.7 for _ in TYPES]
        negatives = [" ".join(rng.sample(caption.split(), len(caption.split()))) if valid else "" for valid in mask]
        colour = tuple(rng.randrange(256) for _ in range(3))
        rows.append(
            {
                "image": Image.new("RGB", (image_size + 16, image_size), colour),
                "caption": caption,
                "negatives": negatives,
                "negative_types": list(TYPES),
                "negative_mask": mask,
            }
        )
    return rows


def unpacked(batch: dict, rows: list[dict], processor, max_length: int) -> dict:
    """The same batch with every slot tokenized (invalid ones as empty strings): what packing saves."""
    texts = [text for row in rows for text in row["negatives"]]
    tokens = processor.tokenizer(
        [row["caption"] for row in rows] + texts, padding=True, truncation=True, max_length=max_length,
        return_tensors="pt",
    )  # fmt: skip
    n = len(rows)
    return {
        **batch,
        "input_ids": tokens["input_ids"][:n],
        "attention_mask": tokens["attention_mask"][:n],
        "negative_input_ids": tokens["input_ids"][n:],
        "negative_attention_mask": tokens["attention_mask"][n:],
        "all_slots": True,
    }


def param_groups(model, weight_decay: float) -> list[dict]:
    decay, no_decay = [], []
    for name, parameter in model.named_parameters():
        is_matrix = parameter.ndim >= 2 and "embedding" not in name and not name.endswith("logit_scale")
        (decay if is_matrix else no_decay).append(parameter)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def hand_loop(model, batches: list[dict], steps: int, warmup: int, device, bf16: bool) -> float:
    """The minimal loop: forward, CE-CLIP loss, backward, AdamW, clamp. Returns samples per second."""
    optimizer = torch.optim.AdamW(param_groups(model, 0.1), lr=1e-5, betas=(0.9, 0.98), eps=1e-6)
    thresholds = torch.zeros(len(TYPES))
    model.train()
    start = None
    samples = 0
    for step in range(steps + warmup):
        if step == warmup:
            synchronize(device)
            start = time.perf_counter()
        batch = {k: v.to(device) if torch.is_tensor(v) else v for k, v in batches[step % len(batches)].items()}
        n = batch["pixel_values"].shape[0]
        mask = batch["negative_mask"]
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            out = model(
                input_ids=torch.cat([batch["input_ids"], batch["negative_input_ids"]]),
                attention_mask=torch.cat([batch["attention_mask"], batch["negative_attention_mask"]]),
                pixel_values=batch["pixel_values"],
            )
        text = out.text_embeds.float()
        captions = text[:n]
        if batch.get("all_slots"):
            negatives = text[n:].view(*mask.shape, -1)
        else:
            negatives = captions.new_zeros((*mask.shape, captions.shape[-1]))
            negatives[mask] = text[n:]
        loss_out = compositional_loss(
            out.image_embeds.float(), captions, negatives, mask, model.logit_scale.exp(), thresholds,
            imc_weight=0.3, cmr_weight=0.2,
        )  # fmt: skip
        thresholds = loss_out.thresholds
        loss_out.loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        with torch.no_grad():
            model.logit_scale.clamp_(max=math.log(100.0))
        if step >= warmup:
            samples += n
    synchronize(device)
    return samples / (time.perf_counter() - start)


class _Clock(TrainerCallback):
    def __init__(self, warmup: int, device) -> None:
        self.warmup, self.device, self.start, self.end = warmup, device, None, None

    def on_step_begin(self, args, state, control, **kwargs):
        if state.global_step == self.warmup:
            synchronize(self.device)
            self.start = time.perf_counter()

    def on_train_end(self, args, state, control, **kwargs):
        synchronize(self.device)
        self.end = time.perf_counter()


class _Replay:
    """A collator that hands the trainer the pre-collated batch, so both loops see the very same tensors."""

    def __init__(self, batches: list[dict]) -> None:
        self.batches = batches

    def __call__(self, rows: list[dict]) -> dict:
        return self.batches[rows[0]["batch"] % len(self.batches)]


def trainer_loop(model, processor, batches, batch_size, steps, warmup, device, bf16, output_dir) -> float:
    clock = _Clock(warmup, device)
    args = CompositionalCLIPConfig(
        output_dir=output_dir, per_device_train_batch_size=batch_size, max_steps=steps + warmup, learning_rate=1e-5,
        warmup_steps=0, lr_scheduler_type="constant", logging_steps=10, save_strategy="no", report_to="none",
        disable_tqdm=True, bf16=bf16, use_cpu=device.type == "cpu", dataloader_num_workers=0, seed=0,
    )  # fmt: skip
    dataset = [{"batch": index // batch_size} for index in range(batch_size * (steps + warmup))]
    trainer = CompositionalCLIPTrainer(
        model=model, args=args, data_collator=_Replay(batches), train_dataset=dataset, processing_class=processor,
        callbacks=[clock],
    )  # fmt: skip
    trainer.train()
    return batch_size * steps / (clock.end - clock.start)


def synchronize(device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def peak_memory(device, function):
    if device.type != "cuda":
        return function(), float("nan")
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    value = function()
    return value, torch.cuda.max_memory_allocated() / 2**30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=list(SIZE_PRESETS), default="tiny")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=30, help="timed steps")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first")
    parser.add_argument("--distinct-batches", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each variant; the median is printed")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--bf16", action="store_true", help="bf16 autocast (mixed precision)")
    parser.add_argument("--output-dir", default="/tmp/train_throughput")
    args = parser.parse_args()
    device = torch.device(args.device)
    preset = SIZE_PRESETS[args.preset]
    rows = make_rows(args.batch_size * args.distinct_batches, preset["image_size"], seed=0)
    model, processor = build_tiny_clip(
        [row["caption"] for row in rows] + WORDS, vocab_size=400, image_size=preset["image_size"], seed=0,
        **{k: v for k, v in preset.items() if k != "image_size"},
    )  # fmt: skip
    max_length = model.config.text_config.max_position_embeddings
    collator = CompositionalCLIPCollator(processor, max_length=max_length)
    chunks = [rows[i : i + args.batch_size] for i in range(0, len(rows), args.batch_size)]
    packed = [collator(chunk) for chunk in chunks]
    full = [unpacked(batch, chunk, processor, max_length) for batch, chunk in zip(packed, chunks, strict=True)]
    valid = sum(int(batch["negative_mask"].sum()) for batch in packed) / (len(packed) * args.batch_size * len(TYPES))

    def fresh():
        return copy.deepcopy(model).to(device)

    variants = {
        "trainer": lambda: trainer_loop(
            fresh(), processor, packed, args.batch_size, args.steps, args.warmup, device, args.bf16, args.output_dir
        ),
        "hand loop (packed)": lambda: hand_loop(fresh(), packed, args.steps, args.warmup, device, args.bf16),
        "hand loop (all slots)": lambda: hand_loop(fresh(), full, args.steps, args.warmup, device, args.bf16),
    }
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    for _ in range(args.repeats):  # round robin, so a change in machine load hits every variant alike
        for name, run in variants.items():
            runs[name].append(peak_memory(device, run))
    results = {name: sorted(values)[len(values) // 2] for name, values in runs.items()}
    parameters = sum(p.numel() for p in model.parameters()) / 1e6
    print(f"preset={args.preset} ({parameters:.1f}M parameters) device={device} batch={args.batch_size} K=4 "
          f"valid negatives={valid:.0%} bf16={args.bf16} timed steps={args.steps} (after {args.warmup}), "
          f"median of {args.repeats}")  # fmt: skip
    baseline = results["hand loop (packed)"][0]
    print(f"{'loop':<24}{'samples/s':>12}{'vs hand loop':>14}{'peak GiB':>10}   all runs (samples/s)")
    for name, (speed, memory) in results.items():
        every = " ".join(f"{value:.1f}" for value, _ in runs[name])
        peak = "-" if math.isnan(memory) else f"{memory:.2f}"
        print(f"{name:<24}{speed:>12.1f}{speed / baseline:>14.3f}{peak:>10}   {every}")


if __name__ == "__main__":
    main()
