"""Which of the shapes world's words a trained CLIP has grounded: shape and colour choice on one-object pictures.

    python benchmarks/shapes_probe.py outputs/shapes/clip/seed0 --world outputs/shapes/world/dataset

For up to 300 one-object scenes of the training split and of the test split, the model picks the caption
"there is a {colour} {shape}" that scores highest, once among the four shapes (colour given) and once among
the six colours (shape given). Chance is 25% and 17%. A training-split shape score near chance means the
vision tower never learned shapes, and then no loss can teach the swaps or the shape replacements; the
test split shows only unseen colour-shape pairs, so there the score measures composition.
"""

from __future__ import annotations

import argparse

import torch
from transformers import CLIPModel, CLIPProcessor

from hf_compclip.data import load_shapes_dataset
from hf_compclip.data.shapes_world import COLORS, SHAPES
from hf_compclip.evaluation.scorer import pooled_features


@torch.no_grad()
def choice_accuracy(model: CLIPModel, processor: CLIPProcessor, split, limit: int = 300) -> tuple[int, float, float]:
    """(scenes, shape accuracy, colour accuracy) over the split's first ``limit`` one-object scenes."""
    rows = [index for index, objects in enumerate(split["objects"]) if len(objects) == 1][:limit]
    if not rows:
        raise ValueError(f"the {split.split} split has no one-object scene to probe")
    scenes = split.select(rows)
    pixels = processor(images=list(scenes["image"]), return_tensors="pt")
    images = torch.nn.functional.normalize(pooled_features(model.get_image_features(**pixels)), dim=-1)

    def best(captions: list[str], image: torch.Tensor) -> int:
        texts = pooled_features(model.get_text_features(**processor(text=captions, return_tensors="pt", padding=True)))
        return int((torch.nn.functional.normalize(texts, dim=-1) @ image).argmax())

    shapes, colours = list(SHAPES), list(COLORS)
    shape_hits = colour_hits = 0
    for image, (obj,) in zip(images, scenes["objects"], strict=True):
        shape_hits += shapes[best([f"there is a {obj['color']} {shape}" for shape in shapes], image)] == obj["shape"]
        colour_hits += (
            colours[best([f"there is a {colour} {obj['shape']}" for colour in colours], image)] == obj["color"]
        )
    return len(rows), shape_hits / len(rows), colour_hits / len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="+", help="saved CLIPModel folders")
    parser.add_argument("--world", required=True, help="the shapes dataset folder (the recipe's world/dataset)")
    args = parser.parse_args()
    dataset = load_shapes_dataset(args.world)
    print("| model | split | scenes | shape (4-way) | colour (6-way) |")
    print("|---|---|---:|---:|---:|")
    for path in args.models:
        model, processor = CLIPModel.from_pretrained(path).eval(), CLIPProcessor.from_pretrained(path)
        for name in ("train", "test"):
            count, shape, colour = choice_accuracy(model, processor, dataset[name])
            print(f"| {path} | {name} | {count} | {100 * shape:.1f}% | {100 * colour:.1f}% |")


if __name__ == "__main__":
    main()
