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


_CONFIG_FIELDS = {
    "": {"embed_dim", "vision_cfg", "text_cfg", "quick_gelu", "custom_text"},
    "vision_cfg": {"image_size", "layers", "width", "patch_size", "head_width", "mlp_ratio"},
    "text_cfg": {"context_length", "vocab_size", "width", "heads", "layers"},
}


def architecture_from_open_clip_config(
    config: dict, origin: str = "the model config"
) -> tuple[OpenClipArchitecture, bool]:
    """An architecture from open_clip's own model-config JSON (``model_configs/<name>.json``), and its QuickGELU flag.

    Fields that change the network beyond what ``CLIPModel`` can hold (layer scale, pooling variants, text
    towers from other libraries, ...) are refused by name rather than ignored.
    """
    for section, allowed in _CONFIG_FIELDS.items():
        fields = config.get(section, {}) if section else config
        unsupported = sorted(set(fields) - allowed)
        if unsupported:
            where = f"{section}." if section else ""
            raise ValueError(f"{origin}: unsupported open_clip setting(s) {', '.join(where + f for f in unsupported)}")
    if config.get("custom_text"):
        raise ValueError(f"{origin}: custom text towers have no CLIPModel equivalent")
    try:
        vision, text = config["vision_cfg"], config["text_cfg"]
        architecture = OpenClipArchitecture(
            embed_dim=config["embed_dim"],
            image_size=vision["image_size"],
            patch_size=vision["patch_size"],
            vision_width=vision["width"],
            vision_layers=vision["layers"],
            vision_head_width=vision.get("head_width", 64),
            vision_mlp_ratio=vision.get("mlp_ratio", 4.0),
            text_width=text["width"],
            text_layers=text["layers"],
            text_heads=text.get("heads", 8),
            context_length=text.get("context_length", 77),
            vocab_size=text.get("vocab_size", 49408),
        )
    except KeyError as error:
        raise ValueError(f"{origin}: missing field {error.args[0]!r}") from None
    return architecture, bool(config.get("quick_gelu", False))
