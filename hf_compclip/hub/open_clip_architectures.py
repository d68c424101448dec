"""The shapes of the open_clip ViT architectures that map one-to-one onto a transformers ``CLIPModel``.

A state dict gives away every size except the number of attention heads, so the converter needs the
architecture's name; the table also lets it check a checkpoint against what its name promises before
anything is written. The numbers are those of open_clip's ``model_configs/*.json`` (head width 64 and MLP
ratio 4 unless stated). Architectures with extras that ``CLIPModel`` has no place for (layer scale,
attentional pooling, SigLIP's logit bias, custom or Hugging Face text towers) are deliberately absent.
"""

from __future__ import annotations

from dataclasses import dataclass

QUICK_GELU_SUFFIX = "-quickgelu"


@dataclass(frozen=True)
class OpenClipArchitecture:
    """One open_clip ViT-CLIP architecture, in open_clip's own terms (widths, layers, heads)."""

    embed_dim: int
    image_size: int
    patch_size: int
    vision_width: int
    vision_layers: int
    text_width: int
    text_layers: int
    text_heads: int
    vision_head_width: int = 64
    vision_mlp_ratio: float = 4.0
    context_length: int = 77
    vocab_size: int = 49408

    @property
    def vision_heads(self) -> int:
        return self.vision_width // self.vision_head_width

    @property
    def vision_intermediate_size(self) -> int:
        # open_clip truncates width * ratio (ViT-g-14: int(1408 * 4.3637) = 6143).
        return int(self.vision_width * self.vision_mlp_ratio)

    @property
    def text_intermediate_size(self) -> int:
        return 4 * self.text_width


def _vit(embed_dim, image_size, patch_size, vision, text, **extra) -> OpenClipArchitecture:
    vision_width, vision_layers = vision
    text_width, text_layers, text_heads = text
    return OpenClipArchitecture(
        embed_dim=embed_dim,
        image_size=image_size,
        patch_size=patch_size,
        vision_width=vision_width,
        vision_layers=vision_layers,
        text_width=text_width,
        text_layers=text_layers,
        text_heads=text_heads,
        **extra,
    )


OPEN_CLIP_ARCHITECTURES: dict[str, OpenClipArchitecture] = {
    "ViT-S-32": _vit(384, 224, 32, (384, 12), (384, 12, 6)),
    "ViT-S-16": _vit(384, 224, 16, (384, 12), (384, 12, 6)),
    "ViT-M-32": _vit(512, 224, 32, (512, 12), (512, 12, 8)),
    "ViT-M-16": _vit(512, 224, 16, (512, 12), (512, 12, 8)),
    "ViT-B-32": _vit(512, 224, 32, (768, 12), (512, 12, 8)),
    "ViT-B-32-256": _vit(512, 256, 32, (768, 12), (512, 12, 8)),
    "ViT-B-16": _vit(512, 224, 16, (768, 12), (512, 12, 8)),
    "ViT-B-16-plus": _vit(640, 224, 16, (896, 12), (640, 12, 10)),
    "ViT-B-16-plus-240": _vit(640, 240, 16, (896, 12), (640, 12, 10)),
    "ViT-L-14": _vit(768, 224, 14, (1024, 24), (768, 12, 12)),
    "ViT-L-14-280": _vit(768, 280, 14, (1024, 24), (768, 12, 12)),
    "ViT-L-14-336": _vit(768, 336, 14, (1024, 24), (768, 12, 12)),
    "ViT-L-16": _vit(768, 224, 16, (1024, 24), (768, 12, 12)),
    "ViT-H-14": _vit(1024, 224, 14, (1280, 32), (1024, 24, 16), vision_head_width=80),
    "ViT-H-16": _vit(1024, 224, 16, (1280, 32), (1024, 24, 16), vision_head_width=80),
    "ViT-g-14": _vit(1024, 224, 14, (1408, 40), (1024, 24, 16), vision_head_width=88, vision_mlp_ratio=4.3637),
    "ViT-bigG-14": _vit(1280, 224, 14, (1664, 48), (1280, 32, 20), vision_head_width=104, vision_mlp_ratio=4.9231),
}


def resolve_architecture(model_name: str) -> tuple[OpenClipArchitecture, bool]:
    """The architecture behind an open_clip model name, and whether the name itself says QuickGELU.

    open_clip spells the OpenAI-activation variants with a ``-quickgelu`` suffix (``ViT-B-32-quickgelu``);
    the shapes are those of the plain name.
    """
    quick_gelu = model_name.endswith(QUICK_GELU_SUFFIX)
    base_name = model_name.removesuffix(QUICK_GELU_SUFFIX)
    if base_name not in OPEN_CLIP_ARCHITECTURES:
        known = ", ".join(OPEN_CLIP_ARCHITECTURES)
        raise ValueError(
            f"Unknown open_clip architecture {model_name!r}; known: {known} (each also with {QUICK_GELU_SUFFIX!r}). "
            "Pass an OpenClipArchitecture for others."
        )
    return OPEN_CLIP_ARCHITECTURES[base_name], quick_gelu
