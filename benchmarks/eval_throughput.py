"""Pairs scored per second: the harness (each distinct image and text encoded once, batched) against naive
per-pair scoring (one full model forward per image-caption pair), on the same items in one run.

Items are shaped like SugarCrepe's: a caption and a hard negative per item, several items per image, captions
drawn from the Karpathy test slice shipped with the tests. Both ways must give the same answers; the script
checks it before printing the speeds.

    python benchmarks/eval_throughput.py                    # tiny model, CPU
    python benchmarks/eval_throughput.py --preset base      # ViT-B/32-sized towers (random weights)
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
from PIL import Image

from hf_compclip.evaluation import ChoiceBenchmark, ChoiceItem, EmbeddingScorer, ImageRef, InMemoryImages
from hf_compclip.tiny import SIZE_PRESETS, build_tiny_clip

ROOT = Path(__file__).resolve().parents[1]
CAPTIONS = ROOT / "tests" / "fixtures" / "karpathy" / "coco_karpathy_test.json"


def build_items(images: int, items_per_image: int, seed: int) -> tuple[list[ChoiceItem], dict[str, Image.Image]]:
    captions = [c for record in json.loads(CAPTIONS.read_text()) for c in record["caption"]]
    generator = torch.Generator().manual_seed(seed)
    pictures = {}
    for index in range(images):
        pixels = torch.randint(0, 256, (48, 64, 3), generator=generator, dtype=torch.uint8).numpy()
        pictures[f"img{index}"] = Image.fromarray(pixels)
    items = []
    for index in range(images * items_per_image):
        caption = captions[index % len(captions)]
        words = caption.split()
        words[0], words[-1] = words[-1], words[0]  # a swap negative, unique per item through the suffix
        negative = " ".join(words) + f" {index}"
        items.append(ChoiceItem(ImageRef(f"img{index % images}"), (caption,), (negative,), "swap", str(index)))
    return items, pictures


@torch.no_grad()
def naive_correctness(model, processor, items: list[ChoiceItem], store: InMemoryImages, max_length: int) -> list[bool]:
    """One forward of the full model per (image, text) pair, as a per-pair scoring loop would run it."""
    correct = []
    for item in items:
        image = store.open(item.image.key)
        scores = []
        for text in (*item.positives, *item.negatives):
            inputs = processor(
                text=[text], images=image, return_tensors="pt", padding=True, truncation=True, max_length=max_length
            )
            inputs = {key: value.to(model.device) for key, value in inputs.items()}
            scores.append(float(model(**inputs).logits_per_image[0, 0]))
        correct.append(scores[0] > scores[1])
    return correct


def timed(function):
    start = time.perf_counter()
    value = function()
    return value, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=sorted(SIZE_PRESETS), default="tiny")
    parser.add_argument("--images", type=int, default=48)
    parser.add_argument("--items-per-image", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    items, pictures = build_items(args.images, args.items_per_image, args.seed)
    texts = [text for item in items for text in item.positives + item.negatives]
    model, processor = build_tiny_clip(texts, vocab_size=2000, seed=args.seed, **SIZE_PRESETS[args.preset])
    model.to(args.device).eval()
    store = InMemoryImages(pictures)
    benchmark = ChoiceBenchmark("throughput", items, store)
    # full precision on both sides so the answers can be compared exactly
    scorer = EmbeddingScorer(model, processor, batch_size=args.batch_size, half=False, show_progress=False)
    benchmark.correctness(scorer)  # warm-up
    harness, harness_seconds = timed(lambda: benchmark.correctness(scorer))
    max_length = model.config.text_config.max_position_embeddings
    naive, naive_seconds = timed(lambda: naive_correctness(model, processor, items, store, max_length))
    agreement = sum(a == b for a, b in zip(harness, naive, strict=True)) / len(items)

    pairs = 2 * len(items)
    print(f"preset={args.preset} device={args.device} items={len(items)} pairs={pairs} ", end="")
    print(f"distinct images={len(pictures)} distinct texts={len(set(texts))} batch={args.batch_size}")
    print(f"{'method':<24}{'seconds':>10}{'pairs/s':>12}{'ratio':>8}")
    print(f"{'naive per-pair':<24}{naive_seconds:>10.2f}{pairs / naive_seconds:>12.1f}{1.0:>8.2f}")
    speedup = naive_seconds / harness_seconds
    print(f"{'harness (encode once)':<24}{harness_seconds:>10.2f}{pairs / harness_seconds:>12.1f}{speedup:>8.2f}")
    print(f"same answers on {100 * agreement:.1f}% of items")


if __name__ == "__main__":
    main()
