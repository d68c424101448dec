"""LoRA on the attention projections: what trains, and the merged model saved by the trainer is a plain CLIPModel."""

import re
import subprocess
import sys

import pytest
import torch
from transformers import CLIPModel

from hf_compclip.training import CompositionalCLIPConfig, CompositionalCLIPTrainer
from hf_compclip.training.freeze import freeze_tower
from hf_compclip.training.lora import apply_lora, lora_target_pattern, merge_lora
from tests.training.data import fresh, make_dataset, make_rows
from tests.training.test_trainer import config


def _args(tmp_path, **overrides) -> CompositionalCLIPConfig:
    return config(tmp_path, **{"learning_rate": 5e-3, "max_steps": 4, **overrides})


@pytest.mark.parametrize(("tower", "count"), [("both", 16), ("text", 8), ("vision", 8)])
def test_targets_are_the_attention_projections_of_the_chosen_tower(tiny_clip, tower, count):
    model, _ = tiny_clip
    names = [name for name, _ in model.named_modules() if re.fullmatch(lora_target_pattern(tower), name)]
    assert len(names) == count  # 2 layers x 4 projections per tower
    assert all(name.rsplit(".", 1)[1] in {"q_proj", "k_proj", "v_proj", "out_proj"} for name in names)
    if tower != "both":
        assert all(name.startswith(f"{tower}_model.") for name in names)


def test_only_adapters_train_and_the_base_weights_stay(tiny_clip, tmp_path):
    model, processor = tiny_clip
    before = {name: tensor.clone() for name, tensor in model.state_dict().items()}
    trainer = CompositionalCLIPTrainer(
        model=fresh(model),
        args=_args(tmp_path, lora_rank=4, lora_tower="text"),
        train_dataset=make_dataset(32),
        processing_class=processor,
    )
    trainable = [name for name, parameter in trainer.model.named_parameters() if parameter.requires_grad]
    assert trainable and all("lora_" in name and ".text_model." in name for name in trainable)
    trainer.train()
    lora_b = [p for name, p in trainer.model.named_parameters() if "lora_B" in name]
    assert any(p.abs().sum() > 0 for p in lora_b)  # B starts at zero: it moved
    base = trainer.model.get_base_model().state_dict()
    torch.testing.assert_close(
        base["vision_model.encoder.layers.0.self_attn.q_proj.weight"],
        before["vision_model.encoder.layers.0.self_attn.q_proj.weight"],
        rtol=0,
        atol=0,
    )


def test_saved_merged_model_reloads_as_clip_and_gives_the_adapter_embeddings(tiny_clip, tmp_path):
    model, processor = tiny_clip
    trainer = CompositionalCLIPTrainer(
        model=fresh(model),
        args=_args(tmp_path, lora_rank=4, lora_alpha=8),
        train_dataset=make_dataset(32),
        processing_class=processor,
    )
    trainer.train()
    output = tmp_path / "merged"
    trainer.save_model(str(output))
    assert not (output / "adapter_model.safetensors").exists()
    assert (output / "model.safetensors").exists()
    inputs = processor(
        text=["red left of blue", "blue above green"],
        images=[make_rows(2)[i]["image"] for i in range(2)],
        return_tensors="pt",
        padding=True,
    )
    adapter_model = trainer.model.eval()
    with torch.no_grad():
        expected = adapter_model(**inputs)
    reloaded, info = CLIPModel.from_pretrained(output, output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"]
    assert set(reloaded.state_dict()) == set(model.state_dict())
    with torch.no_grad():
        got = reloaded.eval()(**inputs)
    torch.testing.assert_close(got.text_embeds, expected.text_embeds, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(got.image_embeds, expected.image_embeds, rtol=1e-5, atol=1e-5)
    # the merge changed the weights: the adapters were not zero
    assert not torch.equal(
        reloaded.text_model.encoder.layers[0].self_attn.q_proj.weight,
        model.text_model.encoder.layers[0].self_attn.q_proj.weight,
    )
    # the trainer still holds the adapter model (training can go on)
    assert "lora_A" in " ".join(name for name, _ in trainer.model.named_parameters())
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            f"from transformers import CLIPModel; CLIPModel.from_pretrained({str(output)!r}); "
            "import sys; assert 'peft' not in sys.modules; print('plain')",
        ],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0 and completed.stdout.strip() == "plain", completed.stderr[-2000:]


def test_merge_of_a_plain_model_is_the_model(tiny_clip):
    model, _ = tiny_clip
    assert merge_lora(model) is model


def test_freeze_vision_tower_keeps_it_and_trains_the_text_tower(tiny_clip, tmp_path):
    model, processor = tiny_clip
    trainer = CompositionalCLIPTrainer(
        model=fresh(model),
        args=_args(tmp_path, freeze_tower="vision"),
        train_dataset=make_dataset(32),
        processing_class=processor,
    )
    trainer.train()
    after = trainer.model.state_dict()
    for name, tensor in model.state_dict().items():
        if name.startswith(("vision_model.", "visual_projection.")):
            assert torch.equal(after[name], tensor), name
    assert not torch.equal(after["text_projection.weight"], model.state_dict()["text_projection.weight"])


def test_freeze_names_its_parameters_and_rejects_unknown_towers(tiny_clip):
    model = fresh(tiny_clip[0])
    frozen = freeze_tower(model, "text")
    assert "text_projection.weight" in frozen and not any(name.startswith("vision_model") for name in frozen)
    assert model.logit_scale.requires_grad
    with pytest.raises(ValueError, match="tower='audio'"):
        freeze_tower(model, "audio")


def test_lora_with_a_frozen_tower_is_rejected():
    with pytest.raises(ValueError, match="lora_tower='text'"):
        CompositionalCLIPConfig(output_dir="unused", report_to="none", lora_rank=4, freeze_tower="vision")


def test_lora_on_a_model_without_clip_attention_is_rejected():
    with pytest.raises(ValueError, match="is it a CLIPModel"):
        apply_lora(torch.nn.Sequential(torch.nn.Linear(2, 2)), rank=2)
