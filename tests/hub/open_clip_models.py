"""Random-weight open_clip models for the conversion tests, and how far a converted model strays from one."""

from __future__ import annotations

import torch
from transformers import CLIPModel

from hf_compclip.hub import OpenClipArchitecture

SMALL = OpenClipArchitecture(
    embed_dim=32,
    image_size=32,
    patch_size=8,
    vision_width=64,
    vision_layers=2,
    vision_head_width=32,
    text_width=48,
    text_layers=2,
    text_heads=4,
)
CAPTIONS = ["a dog on a sofa", "a sofa on a dog", "Two RED cups, left of the bowl!", "café"]


def perturb(model: torch.nn.Module) -> None:
    """Move layer-norm gains and biases off 1 and 0, so that a mapping mistake there shows in the embeddings."""
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if parameter.ndim == 1 and "embedding" not in name:
                parameter.add_(0.1 * torch.randn(parameter.shape, generator=generator))


def small_open_clip(open_clip, quick_gelu: bool) -> torch.nn.Module:
    from open_clip.model import CLIP, CLIPTextCfg, CLIPVisionCfg

    torch.manual_seed(0)
    vision = CLIPVisionCfg(layers=2, width=64, head_width=32, patch_size=8, image_size=32)
    text = CLIPTextCfg(context_length=77, vocab_size=49408, width=48, heads=4, layers=2)
    model = CLIP(embed_dim=32, vision_cfg=vision, text_cfg=text, quick_gelu=quick_gelu).eval()
    perturb(model)
    return model


def max_differences(
    open_clip, reference, converted: CLIPModel, image_size: int, count: int = 3
) -> tuple[float, float]:
    images = torch.randn(count, 3, image_size, image_size, generator=torch.Generator().manual_seed(2))
    tokens = open_clip.get_tokenizer("ViT-B-32")(CAPTIONS[:count])
    with torch.no_grad():
        image_diff = reference.encode_image(images) - converted.get_image_features(pixel_values=images).pooler_output
        text_diff = reference.encode_text(tokens) - converted.get_text_features(input_ids=tokens).pooler_output
    return image_diff.abs().max().item(), text_diff.abs().max().item()
