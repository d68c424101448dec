"""The accelerate configuration files load with accelerate's own reader and say what docs/coco.md promises."""

import pytest
from accelerate.commands.config.config_args import load_config_from_file

from tests.recipes.conftest import ROOT

CONFIGS = ROOT / "recipes" / "configs" / "accelerate"


@pytest.mark.parametrize("name", ["ddp", "fsdp", "deepspeed_zero2", "multi_node"])
def test_accelerate_configs_load(name):
    config = load_config_from_file(str(CONFIGS / f"{name}.yaml"))
    assert config.mixed_precision == "no"  # the recipe's --bf16 decides, not the launcher
    expected = {"ddp": "MULTI_GPU", "fsdp": "FSDP", "deepspeed_zero2": "DEEPSPEED", "multi_node": "MULTI_GPU"}[name]
    assert str(config.distributed_type).endswith(expected)


def test_fsdp_wraps_clip_encoder_layers_and_saves_a_full_state_dict():
    fsdp = load_config_from_file(str(CONFIGS / "fsdp.yaml")).fsdp_config
    assert fsdp["fsdp_auto_wrap_policy"] == "TRANSFORMER_BASED_WRAP"
    assert fsdp["fsdp_transformer_layer_cls_to_wrap"] == "CLIPEncoderLayer"
    assert fsdp["fsdp_state_dict_type"] == "FULL_STATE_DICT"
    from transformers.models.clip import modeling_clip

    assert hasattr(modeling_clip, fsdp["fsdp_transformer_layer_cls_to_wrap"])


def test_zero2_and_multi_node():
    assert load_config_from_file(str(CONFIGS / "deepspeed_zero2.yaml")).deepspeed_config["zero_stage"] == 2
    multi = load_config_from_file(str(CONFIGS / "multi_node.yaml"))
    assert (multi.num_machines, multi.num_processes) == (2, 16)
