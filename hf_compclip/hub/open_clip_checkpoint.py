"""Reading open_clip checkpoints safely, and deciding which activation their weights were trained with.

open_clip writes two layouts: training checkpoints ``{"epoch", "name", "state_dict": {"module.…": …},
"optimizer", …}`` (the ``module.`` prefix comes from DistributedDataParallel) and plain state dicts. OpenAI's
own state dicts carry three extra scalar entries (``input_resolution``, ``context_length``, ``vocab_size``).
Files are read with ``torch.load(weights_only=True)``: a checkpoint is data, and unpickling arbitrary objects
from a downloaded file would run its code.

The activation is nowhere in the weights, and a wrong one silently moves every benchmark score, so
``"auto"`` only answers when the evidence is unambiguous and otherwise asks for an explicit choice.
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch

Activation = Literal["quick_gelu", "gelu"]

_WRAPPER_PREFIXES = ("module.", "_orig_mod.")
_OPENAI_METADATA_KEYS = ("input_resolution", "context_length", "vocab_size")

# Name fragments of released checkpoints whose activation is known. A name matching rules of both kinds
# is ambiguous and is refused rather than guessed.
_NAME_RULES: tuple[tuple[str, Activation, str], ...] = (
    (r"quick_?gelu", "quick_gelu", "the name says QuickGELU"),
    (r"openai", "quick_gelu", "OpenAI CLIP weights were trained with QuickGELU"),
    (r"(?<![a-z])ce[-_]?clip", "quick_gelu", "CE-CLIP fine-tunes OpenAI CLIP"),
    (r"negclip", "quick_gelu", "NegCLIP fine-tunes OpenAI CLIP"),
    (r"degla", "quick_gelu", "DeGLA fine-tunes CE-CLIP, itself OpenAI CLIP"),
    (
        r"(?<![a-z])(?:coco|cc3m|laioncoco)_fsc-clip",
        "quick_gelu",
        "FSC-CLIP's COCO/CC3M/LAION-COCO releases fine-tune OpenAI CLIP",
    ),
    (r"dcxl|datacomp", "gelu", "DataComp-pretrained open_clip models use GELU"),
    (r"laion(?:2b|400m|5b)", "gelu", "LAION-pretrained open_clip models use GELU"),
)


@dataclass
class OpenClipCheckpoint:
    """A checkpoint's tensors with wrapper prefixes removed, and what its layout revealed."""

    state_dict: dict[str, torch.Tensor]
    origin: str
    has_openai_metadata: bool = False


def load_open_clip_checkpoint(source: str | Path | Mapping) -> OpenClipCheckpoint:
    """Read a ``.pt``/``.bin``/``.safetensors`` file (or take an in-memory dict) and unwrap it to a state dict."""
    if isinstance(source, Mapping):
        return _unwrap(source, origin="the given state dict")
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"open_clip checkpoint {path} does not exist")
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return _unwrap(load_file(str(path)), origin=str(path))
    try:
        raw = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        raise ValueError(
            f"{path} holds pickled Python objects that a weights-only load refuses ({error}). Re-save its tensors "
            "with `torch.save(checkpoint['state_dict'], ...)` in an environment you trust, then convert that file."
        ) from error
    except RuntimeError as error:
        raise ValueError(
            f"{path} could not be read as a torch checkpoint ({error}). OpenAI's original TorchScript files are "
            "not state dicts: load them with open_clip and save `model.state_dict()` first."
        ) from error
    if not isinstance(raw, Mapping):
        raise ValueError(f"{path} holds a {type(raw).__name__}, not a state dict or an open_clip training checkpoint")
    return _unwrap(raw, origin=str(path))


def _unwrap(raw: Mapping, origin: str) -> OpenClipCheckpoint:
    state = raw["state_dict"] if isinstance(raw.get("state_dict"), Mapping) else raw
    tensors: dict[str, torch.Tensor] = {}
    has_openai_metadata = False
    for key, value in state.items():
        name = str(key)
        for prefix in _WRAPPER_PREFIXES:
            name = name.removeprefix(prefix)
        if name in _OPENAI_METADATA_KEYS:
            has_openai_metadata = True
            continue
        if not isinstance(value, torch.Tensor):
            top = ", ".join(map(str, list(raw)[:8]))
            raise ValueError(
                f"{origin}: entry {key!r} is a {type(value).__name__}, not a tensor; expected a state dict or a "
                f"training checkpoint with a 'state_dict' entry (top-level keys: {top})"
            )
        tensors[name] = value
    if not tensors:
        raise ValueError(f"{origin} contains no tensors")
    return OpenClipCheckpoint(tensors, origin, has_openai_metadata)


def detect_activation(
    activation: str,
    *,
    names: list[str],
    name_says_quick_gelu: bool = False,
    has_openai_metadata: bool = False,
) -> tuple[Activation, str]:
    """The activation to write into the config, and the reason, shown to the user and kept in the card.

    ``names`` are the strings that identify the checkpoint (its file name, its folder, a release name).
    """
    if activation in ("quick_gelu", "gelu"):
        return activation, "set explicitly"  # type: ignore[return-value]
    if activation != "auto":
        raise ValueError(f"activation must be 'auto', 'quick_gelu' or 'gelu', got {activation!r}")
    evidence: list[tuple[Activation, str]] = []
    if name_says_quick_gelu:
        evidence.append(("quick_gelu", "the architecture name ends in -quickgelu"))
    if has_openai_metadata:
        evidence.append(("quick_gelu", "the state dict has OpenAI's metadata entries, so it holds OpenAI weights"))
    lowered = [name.lower() for name in names if name]
    for pattern, rule_activation, reason in _NAME_RULES:
        for name in lowered:
            if re.search(pattern, name):
                evidence.append((rule_activation, f"{reason} ({name!r})"))
                break
    found = {rule_activation for rule_activation, _ in evidence}
    if len(found) == 1:
        return found.pop(), "; ".join(reason for _, reason in evidence)
    if not found:
        raise ValueError(
            f"Cannot tell the activation of {names[0] if names else 'this checkpoint'!r}: state dicts do not record "
            "it. Pass activation='quick_gelu' for OpenAI CLIP and its fine-tunes (CE-CLIP, NegCLIP, DeGLA, FSC-CLIP "
            "from OpenAI) or activation='gelu' for models open_clip trained from scratch (LAION, DataComp)."
        )
    conflict = "; ".join(f"{rule_activation}: {reason}" for rule_activation, reason in evidence)
    raise ValueError(f"Conflicting activation evidence ({conflict}); pass activation='quick_gelu' or 'gelu'.")
