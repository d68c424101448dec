"""Small CLIP models and tokenizers built offline.

Nothing here downloads: the tokenizer is a CLIP-style byte-level BPE trained on the captions at hand,
and the model is a randomly initialised ``CLIPModel`` sized to train on a CPU in minutes. Tests, the
embedded demo world and the throughput benchmarks all build their models here, so a tiny model means
the same thing everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable

from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor, CLIPTokenizer

SIZE_PRESETS: dict[str, dict[str, int]] = {
    "tiny": {"image_size": 32, "patch_size": 8, "hidden_size": 64, "num_layers": 2, "num_heads": 2},
    "small": {"image_size": 64, "patch_size": 16, "hidden_size": 256, "num_layers": 4, "num_heads": 4},
    "base": {  # the shape of OpenAI's ViT-B/32, for throughput and memory measurements with random weights
        "image_size": 224,
        "patch_size": 32,
        "hidden_size": 768,
        "num_layers": 12,
        "num_heads": 12,
        "projection_dim": 512,
        "max_position_embeddings": 77,
    },
}
"""Model sizes the benchmarks share, as keyword arguments of :func:`build_tiny_clip`."""


def train_clip_tokenizer(texts: Iterable[str], vocab_size: int = 1000) -> CLIPTokenizer:
    """Train a CLIP tokenizer (lower-casing, byte-level BPE with ``</w>`` word ends) on ``texts``.

    The special tokens get ids 0 (``<|startoftext|>``) and 1 (``<|endoftext|>``, also padding), so they
    lie inside any vocabulary size; a tiny ``CLIPTextConfig`` must be told these ids (see
    :func:`tiny_clip_config`), otherwise it keeps OpenAI's eos id 49407 and every text pools the same token.
    """
    texts = list(texts)
    if not texts:
        raise ValueError("train_clip_tokenizer needs at least one text to learn a vocabulary from")
    return CLIPTokenizer().train_new_from_iterator(texts, vocab_size=vocab_size)


def tiny_clip_config(
    tokenizer: CLIPTokenizer,
    *,
    image_size: int = 32,
    patch_size: int = 8,
    hidden_size: int = 64,
    num_layers: int = 2,
    num_heads: int = 2,
    projection_dim: int = 64,
    max_position_embeddings: int = 32,
) -> CLIPConfig:
    """A ``CLIPConfig`` whose token ids agree with ``tokenizer`` and whose towers are ``num_layers`` deep."""
    common = {
        "hidden_size": hidden_size,
        "intermediate_size": 4 * hidden_size,
        "num_hidden_layers": num_layers,
        "num_attention_heads": num_heads,
        "hidden_act": "quick_gelu",
    }
    text_config = {
        **common,
        "vocab_size": len(tokenizer),
        "max_position_embeddings": max_position_embeddings,
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
    }
    vision_config = {**common, "image_size": image_size, "patch_size": patch_size}
    return CLIPConfig(text_config=text_config, vision_config=vision_config, projection_dim=projection_dim)


def tiny_clip_processor(tokenizer: CLIPTokenizer, image_size: int = 32) -> CLIPProcessor:
    """A ``CLIPProcessor`` that resizes and crops to ``image_size`` with CLIP's mean and std."""
    image_processor = CLIPImageProcessor(
        size={"shortest_edge": image_size}, crop_size={"height": image_size, "width": image_size}
    )
    return CLIPProcessor(image_processor=image_processor, tokenizer=tokenizer)


def build_tiny_clip(
    texts: Iterable[str], *, vocab_size: int = 1000, image_size: int = 32, seed: int = 0, **config_kwargs
) -> tuple[CLIPModel, CLIPProcessor]:
    """A randomly initialised tiny ``CLIPModel`` and its processor, with a tokenizer trained on ``texts``."""
    import torch

    tokenizer = train_clip_tokenizer(texts, vocab_size=vocab_size)
    config = tiny_clip_config(tokenizer, image_size=image_size, **config_kwargs)
    torch.manual_seed(seed)
    model = CLIPModel(config)
    return model, tiny_clip_processor(tokenizer, image_size=image_size)
