"""What CE-CLIP's losses cost per training step, and what packing the valid negatives saves.

Three steps on the same model and batch, timed in one run (forward, backward and optimizer step):

- ``plain``: CLIP's loss with as many encoded texts as CE-CLIP encodes (the captions plus the valid
  negatives, the latter as extra image->text columns), so the encoders do the same work;
- ``ce-clip``: CE-CLIP's total loss (ITC with hard negatives, IMC, CMR) on the packed valid negatives;
- ``padded``: CE-CLIP with every one of the K slots encoded, placeholders included (what a trainer that
  does not pack would do).

The valid-slot pattern comes from running the rules generator on real COCO captions.

    python benchmarks/loss_overhead.py --batch-size 64 --repeats 10 --preset small
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from hf_compclip.losses import compositional_loss
from hf_compclip.negatives import load_generator, read_captions
from hf_compclip.tiny import SIZE_PRESETS, build_tiny_clip

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CAPTIONS = ROOT / "tests" / "fixtures" / "coco" / "coco_karpathy_test_slice.json"


def coco_like_batch(captions_file: Path, batch_size: int, seed: int):
    captions = [record["caption"] for record in read_captions(captions_file)]
    generator = load_generator("rules", seed=seed)
    rows = generator(captions[:batch_size])
    negatives = [row["negatives"] for row in rows]
    mask = torch.tensor([row["negative_mask"] for row in rows], dtype=torch.bool)
    return captions, captions[:batch_size], negatives, mask


def make_step(model, processor, images, captions, negatives, mask, mode):
    valid = [
        text
        for row, row_mask in zip(negatives, mask.tolist(), strict=True)
        for text, ok in zip(row, row_mask, strict=True)
        if ok
    ]
    every_slot = [text or "placeholder" for row in negatives for text in row]
    extra = every_slot if mode == "padded" else valid
    tokens = processor.tokenizer(
        captions + extra,
        padding=True,
        truncation=True,
        max_length=model.config.text_config.max_position_embeddings,
        return_tensors="pt",
    )
    pixel_values = processor.image_processor(images, return_tensors="pt")["pixel_values"]
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
    size = len(captions)

    def step() -> None:
        out = model(input_ids=tokens["input_ids"], attention_mask=tokens["attention_mask"], pixel_values=pixel_values)
        text, image, scale = out.text_embeds, out.image_embeds, model.logit_scale.exp()
        if mode == "plain":
            labels = torch.arange(size)
            loss = (
                F.cross_entropy(scale * image @ text.T, labels)
                + F.cross_entropy(scale * text[:size] @ image.T, labels)
            ) / 2
        else:
            if mode == "padded":
                slots = text[size:].reshape(*mask.shape, -1)
            else:
                slots = text.new_zeros((*mask.shape, text.shape[-1]))
                slots[mask] = text[size:]
            loss = compositional_loss(image, text[:size], slots, mask, scale, torch.zeros(mask.shape[1])).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step, tokens["input_ids"].shape[0] - size


def interleaved_medians(steps: dict, repeats: int) -> dict[str, float]:
    """Median seconds per step of each step function, timed in turn so that load changes hit all alike."""
    for step in steps.values():
        step()  # warm-up
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--captions", type=Path, default=DEFAULT_CAPTIONS)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--preset", choices=list(SIZE_PRESETS), default="small")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    vocabulary, captions, negatives, mask = coco_like_batch(args.captions, args.batch_size, args.seed)
    preset = SIZE_PRESETS[args.preset]
    model, processor = build_tiny_clip(vocabulary, vocab_size=2000, **preset)
    from PIL import Image

    size = preset["image_size"]
    images = [Image.new("RGB", (size, size), (i * 3 % 255, 80, 160)) for i in range(args.batch_size)]
    steps, encoded = {}, {}
    for mode in ("plain", "ce-clip", "padded"):
        steps[mode], encoded[mode] = make_step(model, processor, images, captions, negatives, mask, mode)
    seconds = interleaved_medians(steps, args.repeats)
    results = {mode: (seconds[mode], encoded[mode]) for mode in steps}
    slots = mask.numel()
    print(
        f"batch {args.batch_size} captions x {mask.shape[1]} slots; valid negatives {int(mask.sum())}/{slots} ({mask.float().mean():.1%}) from the rules generator on COCO captions"
    )
    print(f"{'step':<10}{'texts encoded':>15}{'median s/step':>15}")
    for mode, (seconds, negative_texts) in results.items():
        print(f"{mode:<10}{args.batch_size + negative_texts:>15}{seconds:>15.4f}")
    plain, ce_clip, padded = (results[m][0] for m in ("plain", "ce-clip", "padded"))
    print(f"CE-CLIP losses / plain CLIP loss, same encoded texts: {ce_clip / plain:.3f}x step time")
    print(
        f"texts through the text encoder, padded / packed: {(args.batch_size + slots) / (args.batch_size + int(mask.sum())):.3f}x"
    )
    print(f"step time, padded / packed: {padded / ce_clip:.3f}x")


if __name__ == "__main__":
    main()
