"""Convert open_clip ViT checkpoints into transformers ``CLIPModel`` folders.

The two codebases hold the same numbers under different names and layouts: open_clip packs the query, key
and value projections into one ``in_proj_weight`` (rows q, k, v) and stores the two output projections as
``x @ P`` matrices where transformers uses ``nn.Linear`` weights (``P.T``). Everything else is renaming. The
converter needs neither open_clip nor a network: a state dict, the architecture table and CLIP's BPE file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import torch
from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor, CLIPTokenizer

from .clip_tokenizer import openai_clip_tokenizer
from .open_clip_architectures import QUICK_GELU_SUFFIX, OpenClipArchitecture, resolve_architecture
from .open_clip_checkpoint import Activation, detect_activation, load_open_clip_checkpoint

logger = logging.getLogger(__name__)

Transform = Callable[[torch.Tensor], torch.Tensor]
# (open_clip key, expected shape, [(transformers key, transform)])
_Entry = tuple[str, tuple[int, ...], list[tuple[str, Transform]]]


def _same(tensor: torch.Tensor) -> torch.Tensor:
    return tensor


def _transpose(tensor: torch.Tensor) -> torch.Tensor:
    return tensor.t().contiguous()


def _chunk(index: int) -> Transform:
    return lambda tensor: tensor.chunk(3, dim=0)[index].contiguous()


def _block_entries(source: str, target: str, width: int, intermediate: int) -> Iterator[_Entry]:
    yield (
        f"{source}.attn.in_proj_weight",
        (3 * width, width),
        [(f"{target}.self_attn.{name}_proj.weight", _chunk(index)) for index, name in enumerate("qkv")],
    )
    yield (
        f"{source}.attn.in_proj_bias",
        (3 * width,),
        [(f"{target}.self_attn.{name}_proj.bias", _chunk(index)) for index, name in enumerate("qkv")],
    )
    renames = {
        "attn.out_proj.weight": ("self_attn.out_proj.weight", (width, width)),
        "attn.out_proj.bias": ("self_attn.out_proj.bias", (width,)),
        "ln_1.weight": ("layer_norm1.weight", (width,)),
        "ln_1.bias": ("layer_norm1.bias", (width,)),
        "ln_2.weight": ("layer_norm2.weight", (width,)),
        "ln_2.bias": ("layer_norm2.bias", (width,)),
        "mlp.c_fc.weight": ("mlp.fc1.weight", (intermediate, width)),
        "mlp.c_fc.bias": ("mlp.fc1.bias", (intermediate,)),
        "mlp.c_proj.weight": ("mlp.fc2.weight", (width, intermediate)),
        "mlp.c_proj.bias": ("mlp.fc2.bias", (width,)),
    }
    for source_name, (target_name, shape) in renames.items():
        yield f"{source}.{source_name}", shape, [(f"{target}.{target_name}", _same)]


def _entries(arch: OpenClipArchitecture) -> Iterator[_Entry]:
    """Every open_clip tensor of ``arch`` with its shape and where it goes."""
    vision, text, embed = arch.vision_width, arch.text_width, arch.embed_dim
    num_positions = (arch.image_size // arch.patch_size) ** 2 + 1
    yield "visual.class_embedding", (vision,), [("vision_model.embeddings.class_embedding", _same)]
    yield (
        "visual.conv1.weight",
        (vision, 3, arch.patch_size, arch.patch_size),
        [("vision_model.embeddings.patch_embedding.weight", _same)],
    )
    yield (
        "visual.positional_embedding",
        (num_positions, vision),
        [("vision_model.embeddings.position_embedding.weight", _same)],
    )
    for part, target in (("ln_pre", "pre_layrnorm"), ("ln_post", "post_layernorm")):
        for parameter in ("weight", "bias"):
            yield f"visual.{part}.{parameter}", (vision,), [(f"vision_model.{target}.{parameter}", _same)]
    for layer in range(arch.vision_layers):
        yield from _block_entries(
            f"visual.transformer.resblocks.{layer}",
            f"vision_model.encoder.layers.{layer}",
            vision,
            arch.vision_intermediate_size,
        )
    yield "visual.proj", (vision, embed), [("visual_projection.weight", _transpose)]

    yield "token_embedding.weight", (arch.vocab_size, text), [("text_model.embeddings.token_embedding.weight", _same)]
    yield (
        "positional_embedding",
        (arch.context_length, text),
        [("text_model.embeddings.position_embedding.weight", _same)],
    )
    for layer in range(arch.text_layers):
        yield from _block_entries(
            f"transformer.resblocks.{layer}", f"text_model.encoder.layers.{layer}", text, arch.text_intermediate_size
        )
    for parameter in ("weight", "bias"):
        yield f"ln_final.{parameter}", (text,), [(f"text_model.final_layer_norm.{parameter}", _same)]
    yield "text_projection", (text, embed), [("text_projection.weight", _transpose)]
    yield "logit_scale", (), [("logit_scale", _same)]


def convert_open_clip_state_dict(
    state_dict: Mapping[str, torch.Tensor], architecture: OpenClipArchitecture, origin: str = "the state dict"
) -> dict[str, torch.Tensor]:
    """Rename and reshape an (unwrapped) open_clip state dict into ``CLIPModel`` keys, checking every shape."""
    converted: dict[str, torch.Tensor] = {}
    problems: list[str] = []
    expected_keys = set()
    for key, shape, targets in _entries(architecture):
        expected_keys.add(key)
        if key not in state_dict:
            problems.append(f"missing {key!r} (expected shape {list(shape)})")
            continue
        tensor = state_dict[key]
        if key == "logit_scale":
            tensor = tensor.reshape(())  # some releases store it as a 1-element vector
        if tuple(tensor.shape) != shape:
            problems.append(f"{key!r} has shape {list(tensor.shape)}, the architecture expects {list(shape)}")
            continue
        for target, transform in targets:
            converted[target] = transform(tensor.float())
    unexpected = sorted(set(state_dict) - expected_keys - {"attn_mask"})
    if unexpected:
        shown = ", ".join(repr(key) for key in unexpected[:6])
        more = f" and {len(unexpected) - 6} more" if len(unexpected) > 6 else ""
        problems.append(f"unexpected {shown}{more} (a component CLIPModel has no place for, or another architecture)")
    if problems:
        raise ValueError(f"{origin} does not match the architecture: " + "; ".join(problems[:8]))
    return converted


def clip_config_for(architecture: OpenClipArchitecture, activation: Activation) -> CLIPConfig:
    """A ``CLIPConfig`` of the same shapes; the end-of-text token is the last id, as open_clip's argmax pooling assumes."""
    text_config = {
        "vocab_size": architecture.vocab_size,
        "hidden_size": architecture.text_width,
        "intermediate_size": architecture.text_intermediate_size,
        "num_hidden_layers": architecture.text_layers,
        "num_attention_heads": architecture.text_heads,
        "max_position_embeddings": architecture.context_length,
        "hidden_act": activation,
        "projection_dim": architecture.embed_dim,
        "bos_token_id": architecture.vocab_size - 2,
        "eos_token_id": architecture.vocab_size - 1,
        "pad_token_id": architecture.vocab_size - 1,
    }
    vision_config = {
        "hidden_size": architecture.vision_width,
        "intermediate_size": architecture.vision_intermediate_size,
        "num_hidden_layers": architecture.vision_layers,
        "num_attention_heads": architecture.vision_heads,
        "image_size": architecture.image_size,
        "patch_size": architecture.patch_size,
        "hidden_act": activation,
        "projection_dim": architecture.embed_dim,
    }
    return CLIPConfig(text_config=text_config, vision_config=vision_config, projection_dim=architecture.embed_dim)


def clip_processor_for(architecture: OpenClipArchitecture, tokenizer: CLIPTokenizer) -> CLIPProcessor:
    """open_clip's eval transform in transformers terms: shortest-side bicubic resize, centre crop, CLIP mean/std."""
    size = architecture.image_size
    image_processor = CLIPImageProcessor(size={"shortest_edge": size}, crop_size={"height": size, "width": size})
    return CLIPProcessor(image_processor=image_processor, tokenizer=tokenizer)


def convert_open_clip_checkpoint(
    checkpoint: str | Path | Mapping[str, torch.Tensor],
    model_name: str = "ViT-B-32",
    output_dir: str | Path | None = None,
    activation: str = "auto",
    *,
    architecture: OpenClipArchitecture | None = None,
    checkpoint_name: str | None = None,
    tokenizer: CLIPTokenizer | None = None,
    bpe_path: str | Path | None = None,
) -> CLIPModel:
    """Load an open_clip checkpoint as a ``CLIPModel``; with ``output_dir``, also save model, processor and card.

    Args:
        checkpoint: a ``.pt``/``.bin``/``.safetensors`` path, or an in-memory state dict or training checkpoint.
        model_name: open_clip's architecture name (``ViT-B-32``, ``ViT-L-14-336``, ``ViT-B-32-quickgelu``, ...).
        output_dir: where to write ``model.safetensors``, ``config.json``, the processor files and ``README.md``.
        activation: ``"quick_gelu"``, ``"gelu"`` or ``"auto"`` (decided from the names and the state dict layout;
            refused when the evidence is missing or contradictory, because a wrong guess goes unnoticed).
        architecture: shapes for an architecture missing from the table; overrides ``model_name``'s shapes.
        checkpoint_name: the release's name when the file name does not tell it (e.g. ``"negclip"``).
        tokenizer: the tokenizer to save; by default OpenAI's, built from ``bpe_path`` or open_clip's BPE file.
    """
    loaded = load_open_clip_checkpoint(checkpoint)
    if architecture is None:
        architecture, name_says_quick_gelu = resolve_architecture(model_name)
    else:
        name_says_quick_gelu = model_name.endswith(QUICK_GELU_SUFFIX)
    names = [checkpoint_name or ""]
    if not isinstance(checkpoint, Mapping):
        names += [Path(checkpoint).name, Path(checkpoint).parent.name]
    chosen, reason = detect_activation(
        activation,
        names=[name for name in names if name],
        name_says_quick_gelu=name_says_quick_gelu,
        has_openai_metadata=loaded.has_openai_metadata,
    )
    logger.info("Converting %s as %s with %s (%s)", loaded.origin, model_name, chosen, reason)
    weights = convert_open_clip_state_dict(loaded.state_dict, architecture, origin=loaded.origin)

    from transformers.initialization import no_init_weights

    with no_init_weights():  # every parameter is overwritten below; random init of a ViT-H would take minutes
        model = CLIPModel(clip_config_for(architecture, chosen))
    _load_all(model, weights)
    model.eval()
    if output_dir is not None:
        _save(model, architecture, output_dir, tokenizer, bpe_path, model_name, loaded.origin, chosen, reason)
    return model


def _load_all(model: CLIPModel, weights: Mapping[str, torch.Tensor]) -> None:
    """Load ``weights`` and insist that every parameter came from them (buffers such as position ids are the model's)."""
    result = model.load_state_dict(weights, strict=False)
    parameters = dict(model.named_parameters())
    missing = [key for key in result.missing_keys if key in parameters]
    if missing or result.unexpected_keys:
        raise RuntimeError(
            f"CLIPModel and the converted weights disagree: missing {missing[:6]}, unexpected {result.unexpected_keys[:6]}"
        )


def _save(
    model: CLIPModel,
    architecture: OpenClipArchitecture,
    output_dir: str | Path,
    tokenizer: CLIPTokenizer | None,
    bpe_path: str | Path | None,
    model_name: str,
    origin: str,
    activation: Activation,
    reason: str,
) -> None:
    from .card import save_model_card

    if tokenizer is None:
        if architecture.vocab_size != 49408:
            raise ValueError(
                f"{origin} has a {architecture.vocab_size}-token vocabulary, not OpenAI's 49408: pass its tokenizer"
            )
        tokenizer = openai_clip_tokenizer(bpe_path, model_max_length=architecture.context_length)
    output_dir = Path(output_dir)
    model.save_pretrained(output_dir)
    clip_processor_for(architecture, tokenizer).save_pretrained(output_dir)
    save_model_card(
        output_dir,
        base_model=None,
        conversion={
            "source": Path(origin).name if origin != "the given state dict" else origin,
            "open_clip architecture": model_name,
            "activation": f"{activation} ({reason})",
        },
        tags=["open_clip-conversion"],
    )
