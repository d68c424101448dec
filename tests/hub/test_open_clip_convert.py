"""open_clip -> CLIPModel conversion: random-weight open_clip models, converted, must embed identically."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file
from transformers import AutoProcessor, CLIPModel

from hf_compclip.hub import (
    OPEN_CLIP_ARCHITECTURES,
    architecture_from_open_clip_config,
    convert_open_clip_checkpoint,
    detect_activation,
    openai_clip_tokenizer,
)

from .open_clip_models import CAPTIONS, SMALL, max_differences, perturb, small_open_clip


@pytest.mark.parametrize("activation", ["quick_gelu", "gelu"])
def test_converted_folder_embeds_like_open_clip(open_clip, tmp_path: Path, activation: str) -> None:
    reference = small_open_clip(open_clip, quick_gelu=activation == "quick_gelu")
    checkpoint = tmp_path / "plain_state_dict.pt"
    torch.save(reference.state_dict(), checkpoint)

    convert_open_clip_checkpoint(
        checkpoint, "small", output_dir=tmp_path / "hf", activation=activation, architecture=SMALL
    )
    converted = CLIPModel.from_pretrained(tmp_path / "hf").eval()

    assert converted.config.text_config.hidden_act == activation
    assert converted.config.vision_config.hidden_act == activation
    image_diff, text_diff = max_differences(open_clip, reference, converted, SMALL.image_size)
    assert image_diff < 1e-4
    assert text_diff < 1e-4
    assert (tmp_path / "hf" / "model.safetensors").is_file()
    assert "## Conversion" in (tmp_path / "hf" / "README.md").read_text()

    processor = AutoProcessor.from_pretrained(tmp_path / "hf")
    encoded = processor(text=CAPTIONS, padding="max_length", max_length=77, return_tensors="pt")
    reference_ids = open_clip.get_tokenizer("ViT-B-32")(CAPTIONS)
    # Same tokens; only the padding id differs (open_clip pads with 0, transformers with end-of-text).
    assert torch.equal(encoded["attention_mask"].bool(), reference_ids != 0)
    assert torch.equal(encoded["input_ids"][reference_ids != 0], reference_ids[reference_ids != 0])
    assert processor.image_processor.crop_size == {"height": 32, "width": 32}


def test_wrong_activation_changes_embeddings(open_clip) -> None:
    """The reason the activation is never guessed: the same weights under GELU embed differently."""
    reference = small_open_clip(open_clip, quick_gelu=True)
    converted = convert_open_clip_checkpoint(reference.state_dict(), "small", activation="gelu", architecture=SMALL)
    image_diff, text_diff = max_differences(open_clip, reference, converted, SMALL.image_size)
    assert min(image_diff, text_diff) > 1e-3


@pytest.mark.parametrize("as_file", [False, True])
def test_module_prefixed_training_checkpoint(open_clip, tmp_path: Path, as_file: bool) -> None:
    reference = small_open_clip(open_clip, quick_gelu=True)
    training_dict = {
        "epoch": 5,
        "name": "ce-clip-coco",
        "state_dict": {f"module.{key}": value for key, value in reference.state_dict().items()},
        "optimizer": {"state": {}, "param_groups": [{"lr": 5e-6}]},
    }
    source = training_dict
    if as_file:
        source = tmp_path / "epoch_5.pt"
        torch.save(training_dict, source)

    converted = convert_open_clip_checkpoint(source, "small", activation="quick_gelu", architecture=SMALL)

    image_diff, text_diff = max_differences(open_clip, reference, converted, SMALL.image_size)
    assert image_diff < 1e-4
    assert text_diff < 1e-4


def test_safetensors_checkpoint_and_auto_activation_from_name(open_clip, tmp_path: Path) -> None:
    reference = small_open_clip(open_clip, quick_gelu=True)
    path = tmp_path / "negclip" / "weights.safetensors"
    path.parent.mkdir()
    save_file({key: value.contiguous() for key, value in reference.state_dict().items()}, path)

    converted = convert_open_clip_checkpoint(path, "small", activation="auto", architecture=SMALL)

    assert converted.config.text_config.hidden_act == "quick_gelu"
    assert max(max_differences(open_clip, reference, converted, SMALL.image_size)) < 1e-4


def test_vit_b_32_mapping(open_clip) -> None:
    """The full-size ViT-B-32 table entry against open_clip's own ViT-B-32, named the open_clip way."""
    torch.manual_seed(0)
    reference = open_clip.create_model("ViT-B-32", pretrained=None, force_quick_gelu=True).eval()
    perturb(reference)

    converted = convert_open_clip_checkpoint(reference.state_dict(), "ViT-B-32-quickgelu")

    assert converted.config.vision_config.num_attention_heads == 12
    assert converted.config.text_config.hidden_act == "quick_gelu"
    image_diff, text_diff = max_differences(open_clip, reference, converted, 224, count=2)
    assert image_diff < 1e-4
    assert text_diff < 1e-4


@pytest.mark.parametrize(
    "name", ["ViT-B-32", "ViT-B-16", "ViT-L-14", "ViT-L-14-336", "ViT-H-14", "ViT-g-14", "ViT-bigG-14"]
)
def test_table_agrees_with_open_clip_model_configs(open_clip, name: str) -> None:
    config_path = Path(open_clip.__file__).parent / "model_configs" / f"{name}.json"
    architecture, quick_gelu = architecture_from_open_clip_config(json.loads(config_path.read_text()))
    assert architecture == OPEN_CLIP_ARCHITECTURES[name]
    assert not quick_gelu


def test_unsupported_open_clip_config_is_named() -> None:
    config = {"embed_dim": 512, "vision_cfg": {"width": 768, "ls_init_value": 0.1}, "text_cfg": {}}
    with pytest.raises(ValueError, match=r"vision_cfg\.ls_init_value"):
        architecture_from_open_clip_config(config, origin="custom.json")


def test_shape_mismatch_names_the_tensor(open_clip) -> None:
    reference = small_open_clip(open_clip, quick_gelu=True)
    with pytest.raises(ValueError, match=r"'visual\.conv1\.weight' has shape \[64, 3, 8, 8\].*\[768, 3, 32, 32\]"):
        convert_open_clip_checkpoint(reference.state_dict(), "ViT-B-32", activation="gelu")


def test_extra_tensors_are_refused(open_clip) -> None:
    state_dict = small_open_clip(open_clip, quick_gelu=True).state_dict()
    state_dict["logit_bias"] = torch.zeros(1)
    with pytest.raises(ValueError, match="unexpected 'logit_bias'"):
        convert_open_clip_checkpoint(state_dict, "small", activation="gelu", architecture=SMALL)


def test_pickled_objects_are_refused(open_clip, tmp_path: Path) -> None:
    path = tmp_path / "with_args.pt"
    torch.save(
        {"state_dict": small_open_clip(open_clip, quick_gelu=True).state_dict(), "args": argparse.Namespace(lr=1)},
        path,
    )
    with pytest.raises(ValueError, match=r"with_args\.pt holds pickled Python objects"):
        convert_open_clip_checkpoint(path, "small", activation="gelu", architecture=SMALL)


def test_openai_metadata_means_quick_gelu(open_clip) -> None:
    state_dict = dict(small_open_clip(open_clip, quick_gelu=True).state_dict())
    state_dict.update(
        input_resolution=torch.tensor(32), context_length=torch.tensor(77), vocab_size=torch.tensor(49408)
    )
    converted = convert_open_clip_checkpoint(state_dict, "small", architecture=SMALL)
    assert converted.config.vision_config.hidden_act == "quick_gelu"


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["ce_clip_epoch_5.pt"], "quick_gelu"),
        (["CE-CLIP"], "quick_gelu"),
        (["negclip.pth"], "quick_gelu"),
        (["coco_fsc-clip-ViT-B-32.pt"], "quick_gelu"),
        (["laioncoco_fsc-clip-ViT-B-16.pt"], "quick_gelu"),
        (["dcxl_fsc-clip-ViT-B-32.pt"], "gelu"),
        (["ViT-B-32-laion2B-s34B-b79K.bin"], "gelu"),
        (["degla_vitb32.pt", "checkpoints"], "quick_gelu"),
    ],
)
def test_activation_from_release_names(names: list[str], expected: str) -> None:
    assert detect_activation("auto", names=names)[0] == expected


def test_activation_is_not_guessed() -> None:
    with pytest.raises(ValueError, match=r"Cannot tell the activation of 'epoch_5\.pt'"):
        detect_activation("auto", names=["epoch_5.pt"])
    with pytest.raises(ValueError, match="Conflicting activation evidence"):
        detect_activation("auto", names=["openai_on_datacomp.pt"])
    with pytest.raises(ValueError, match="activation must be"):
        detect_activation("relu", names=[])
    assert detect_activation("gelu", names=["negclip.pt"]) == ("gelu", "set explicitly")


def test_bpe_file_is_checked(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "bpe.txt.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("#version\na b\n")
    with pytest.raises(ValueError, match="not CLIP's BPE merges file"):
        openai_clip_tokenizer(path)
