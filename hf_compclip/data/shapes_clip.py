"""A tiny CLIP sized for the shapes world: a tokenizer trained on its captions and a model that learns it on a CPU.

The sizes were chosen by measurement (docs/shapes_world.md): large enough that plain contrastive training
on 2 CPU cores reaches well-above-chance retrieval in a few minutes, small enough that the comparison of
plain CLIP with CE-CLIP fits in the embedded demo's ten minutes.
"""

from __future__ import annotations

import random
import string

from transformers import CLIPConfig, CLIPModel, CLIPProcessor, CLIPTokenizer

from hf_compclip.data.shapes_captions import LEAD_INS, RELATION_PHRASES, SIZE_WORDS, caption_scene
from hf_compclip.data.shapes_world import COLORS, SHAPES, WorldConfig, iter_scenes
from hf_compclip.tiny import tiny_clip_config, tiny_clip_processor, train_clip_tokenizer

SHAPES_VOCAB_SIZE = 512
# The longest caption of the grammar is about 30 tokens with its start and end tokens; leave room for
# negatives that add a clause.
SHAPES_MAX_LENGTH = 48
# 16 patches of 16 px: a 64 px picture holds at most three objects, and the text tower runs five captions per
# image under CE-CLIP (a caption and four negatives), so both towers stay two layers of width 64.
SHAPES_CLIP_SIZES: dict[str, int] = {
    "patch_size": 16,
    "hidden_size": 64,
    "num_layers": 2,
    "num_heads": 2,
    "projection_dim": 64,
}


def shapes_corpus(config: WorldConfig | None = None, n_captions: int = 2000) -> list[str]:
    """Training captions of the world, every word of its grammar, and every printable character.

    The characters make sure that words from outside the world (a hard-negative generator's lexicon) fall
    back to known single-character tokens instead of the end-of-text token.
    """
    config = config or WorldConfig()
    rng = random.Random(f"shapes-tokenizer/{config.seed}")
    scenes = iter_scenes(config, "train")
    corpus = [caption_scene(next(scenes), rng) for _ in range(n_captions)]
    words = [*SHAPES, *COLORS, *(w for ws in SIZE_WORDS.values() for w in ws)]
    words += [
        *(p for ps in RELATION_PHRASES.values() for p in ps),
        *(p.strip() for p in LEAD_INS if p),
        "an",
        "is",
        "and",
    ]
    corpus.append(" ".join(words))
    corpus.append(" ".join(string.ascii_lowercase + string.digits + string.punctuation))
    return corpus


def shapes_tokenizer(config: WorldConfig | None = None, vocab_size: int = SHAPES_VOCAB_SIZE) -> CLIPTokenizer:
    """A CLIP tokenizer trained offline on :func:`shapes_corpus`; it truncates at ``SHAPES_MAX_LENGTH``."""
    tokenizer = train_clip_tokenizer(shapes_corpus(config), vocab_size=vocab_size)
    tokenizer.model_max_length = SHAPES_MAX_LENGTH
    return tokenizer


def shapes_clip_config(tokenizer: CLIPTokenizer, image_size: int = 64, **overrides: int) -> CLIPConfig:
    """The tiny CLIP configuration of the shapes world; ``overrides`` replace entries of ``SHAPES_CLIP_SIZES``."""
    sizes = {**SHAPES_CLIP_SIZES, **overrides}
    return tiny_clip_config(tokenizer, image_size=image_size, max_position_embeddings=SHAPES_MAX_LENGTH, **sizes)


def build_shapes_clip(
    config: WorldConfig | None = None, *, seed: int = 0, **overrides: int
) -> tuple[CLIPModel, CLIPProcessor]:
    """A randomly initialised CLIP for the shapes world and its processor, built with no download."""
    import torch

    config = config or WorldConfig()
    tokenizer = shapes_tokenizer(config)
    torch.manual_seed(seed)
    model = CLIPModel(shapes_clip_config(tokenizer, image_size=config.image_size, **overrides))
    return model, tiny_clip_processor(tokenizer, image_size=config.image_size)
