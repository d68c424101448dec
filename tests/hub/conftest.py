"""Fixtures of the hub tests: open_clip importable without torchvision, and small saved model folders."""

from __future__ import annotations

import enum
import sys
import types
from pathlib import Path

import pytest


def _torchvision_stub() -> dict[str, types.ModuleType]:
    """The torchvision names open_clip 3.3 touches at import time, as inert stand-ins.

    open_clip imports them for its image transforms and FrozenBatchNorm2d, neither of which building a
    ViT-CLIP or tokenising uses; no CPU torchvision wheel exists for this torch.
    """
    torchvision = types.ModuleType("torchvision")
    transforms = types.ModuleType("torchvision.transforms")
    functional = types.ModuleType("torchvision.transforms.functional")
    ops = types.ModuleType("torchvision.ops")
    misc = types.ModuleType("torchvision.ops.misc")

    class InterpolationMode(enum.Enum):
        NEAREST = "nearest"
        BILINEAR = "bilinear"
        BICUBIC = "bicubic"

    transforms.InterpolationMode = InterpolationMode
    for name in (
        "Normalize",
        "Compose",
        "RandomResizedCrop",
        "ToTensor",
        "Resize",
        "CenterCrop",
        "ColorJitter",
        "Grayscale",
    ):
        setattr(transforms, name, type(name, (), {"__init__": lambda self, *args, **kwargs: None}))
    misc.FrozenBatchNorm2d = type("FrozenBatchNorm2d", (), {})
    transforms.functional = functional
    ops.misc = misc
    torchvision.transforms = transforms
    torchvision.ops = ops
    return {
        "torchvision": torchvision,
        "torchvision.transforms": transforms,
        "torchvision.transforms.functional": functional,
        "torchvision.ops": ops,
        "torchvision.ops.misc": misc,
    }


@pytest.fixture(scope="session")
def open_clip():
    """open_clip imported against the stub, which is removed again at once.

    transformers must be imported first and the stub must not stay in ``sys.modules``: transformers probes
    for torchvision with ``find_spec``, which fails on a module without a spec.
    """
    return import_open_clip()


def import_open_clip():
    """Import open_clip against the torchvision stub, then take the stub out of ``sys.modules`` again."""
    import transformers  # noqa: F401

    stub = _torchvision_stub()
    sys.modules.update(stub)
    try:
        import open_clip
    finally:
        for name in stub:
            sys.modules.pop(name, None)
    return open_clip


@pytest.fixture(scope="session")
def saved_tiny_model(tmp_path_factory) -> Path:
    """A trainer-like output folder: the shipped model plus the state a push must leave behind."""
    from hf_compclip.hub import save_model_card
    from hf_compclip.tiny import build_tiny_clip

    folder = tmp_path_factory.mktemp("run")
    model, processor = build_tiny_clip(["a red cube left of a blue ball", "a blue cube"], vocab_size=300)
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    save_model_card(folder, base_model="tiny-random-clip", eval_results={"shapes": {"accuracy": 0.75}})
    (folder / "checkpoint-10").mkdir()
    (folder / "checkpoint-10" / "model.safetensors").write_bytes(b"old")
    (folder / "runs").mkdir()
    (folder / "runs" / "events.out.tfevents").write_bytes(b"log")
    (folder / "training_args.bin").write_bytes(b"pickle")
    (folder / "optimizer.pt").write_bytes(b"state")
    (folder / "compositional_state.json").write_text('{"threshold": 1.0}')
    for name in ("all_results.json", "eval_results.json", "train_results.json"):
        (folder / name).write_text('{"epoch": 1.0}')
    # a LoRA run keeps its adapter beside the merged weights
    (folder / "adapter_model.safetensors").write_bytes(b"lora")
    (folder / "adapter_config.json").write_text('{"peft_type": "LORA", "base_model_name_or_path": "base"}')
    (folder / "adapter_model.bin").write_bytes(b"lora")
    return folder
