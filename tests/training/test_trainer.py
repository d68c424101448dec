"""CompositionalCLIPTrainer on a tiny CLIP: training, logging, optimizer groups, resume and bad input."""

import json
import math
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file
from transformers import CLIPModel

from hf_compclip.training import CompositionalCLIPCollator, CompositionalCLIPConfig, CompositionalCLIPTrainer
from hf_compclip.training.trainer import STATE_FILE
from tests.training.data import TYPES, fresh, make_dataset, make_rows


def config(tmp_path, **overrides) -> CompositionalCLIPConfig:
    settings = {
        "output_dir": str(tmp_path / "out"),
        "per_device_train_batch_size": 8,
        "learning_rate": 2e-3,
        "warmup_steps": 0,
        "max_steps": 30,
        "logging_steps": 5,
        "save_strategy": "no",
        "report_to": "none",
        "use_cpu": True,
        "disable_tqdm": True,
        "seed": 0,
    }
    return CompositionalCLIPConfig(**{**settings, **overrides})


def train(tiny_clip, tmp_path, rows=64, **overrides):
    model, processor = tiny_clip
    trainer = CompositionalCLIPTrainer(
        model=fresh(model),
        args=config(tmp_path, **overrides),
        train_dataset=make_dataset(rows),
        processing_class=processor,
    )
    trainer.train()
    return trainer


def test_loss_falls_and_every_term_is_logged(tiny_clip, tmp_path):
    trainer = train(tiny_clip, tmp_path, max_steps=40)
    logs = [entry for entry in trainer.state.log_history if "loss" in entry]
    assert len(logs) == 8
    assert logs[-1]["loss"] < 0.6 * logs[0]["loss"]
    for key in (
        "itc_loss",
        "imc_loss",
        "cmr_loss",
        "logit_scale",
        "valid_negatives",
        *(f"threshold/{t}" for t in TYPES),
    ):
        assert key in logs[-1], key
    # The "action" slot is never valid in this data: its threshold never leaves 0; the relation one grows.
    assert logs[-1]["threshold/action"] == 0.0
    assert logs[-1]["threshold/relation"] > 0.0
    assert 0 < logs[-1]["valid_negatives"] < 1


def test_evaluation_terms_carry_their_own_prefix(tiny_clip, tmp_path):
    trainer = train(tiny_clip, tmp_path, max_steps=7)  # 7 steps, logged every 5: two steps' terms still pending
    held_out = make_dataset(16)
    scores = trainer.evaluate(held_out, metric_key_prefix="test")
    assert {"test_loss", "test_itc_loss", "test_imc_loss", "test_cmr_loss", "test_valid_negatives"} <= set(scores)
    assert not any(key.startswith(("eval_", "itc", "threshold")) for key in scores), scores
    assert scores["test_loss"] == pytest.approx(
        scores["test_itc_loss"] + 0.3 * scores["test_imc_loss"] + 0.2 * scores["test_cmr_loss"], rel=1e-4
    )
    predicted = trainer.predict(held_out).metrics
    assert predicted["test_itc_loss"] == pytest.approx(scores["test_itc_loss"])
    # The two steps after the last periodic log went into the training summary, not into an evaluation log.
    (summary,) = [entry for entry in trainer.state.log_history if "train_loss" in entry]
    assert summary["itc_loss"] > 0 and "threshold/relation" in summary and "test_loss" not in summary
    assert trainer._flush("train") == {}


def test_one_forward_per_step_and_only_valid_negatives_encoded(tiny_clip, tmp_path):
    model, processor = tiny_clip
    model = fresh(model)
    text_batches = []
    forward_calls = []
    model.register_forward_pre_hook(lambda module, args, kwargs: forward_calls.append(kwargs), with_kwargs=True)
    model.text_model.register_forward_pre_hook(
        lambda module, args, kwargs: text_batches.append(kwargs["input_ids"].shape[0]), with_kwargs=True
    )
    rows = make_dataset(16)
    trainer = CompositionalCLIPTrainer(
        model=model, args=config(tmp_path, max_steps=2), train_dataset=rows, processing_class=processor
    )
    trainer.train()
    assert len(forward_calls) == 2
    valid_per_batch = [sum(sum(row["negative_mask"]) for row in make_rows(16)[i * 8 : (i + 1) * 8]) for i in range(2)]
    assert sorted(text_batches) == sorted(8 + valid for valid in valid_per_batch)


def test_collator_packs_valid_negatives_in_row_order(tiny_clip):
    _, processor = tiny_clip
    rows = make_rows(4)
    batch = CompositionalCLIPCollator(processor, max_length=32)(rows)
    expected = [
        text for row in rows for text, valid in zip(row["negatives"], row["negative_mask"], strict=True) if valid
    ]
    decoded = processor.tokenizer.batch_decode(batch["negative_input_ids"], skip_special_tokens=True)
    assert [text.strip() for text in decoded] == expected
    assert batch["negative_mask"].tolist() == [row["negative_mask"] for row in rows]
    assert batch["input_ids"].shape[1] == batch["negative_input_ids"].shape[1]
    assert batch["pixel_values"].shape == (4, 3, 32, 32)


def test_decay_groups_and_logit_scale_clamp(tiny_clip, tmp_path):
    model, processor = tiny_clip
    model = fresh(model)
    with torch.no_grad():
        model.logit_scale.fill_(math.log(100.0) + 0.5)
    trainer = CompositionalCLIPTrainer(
        model=model, args=config(tmp_path, max_steps=1), train_dataset=make_dataset(8), processing_class=processor
    )
    decayed = set(trainer.get_decay_parameter_names(model))
    assert "text_model.encoder.layers.0.self_attn.q_proj.weight" in decayed
    assert "visual_projection.weight" in decayed
    for name in (
        "logit_scale",
        "text_model.embeddings.token_embedding.weight",
        "text_model.embeddings.position_embedding.weight",
        "vision_model.embeddings.class_embedding",
        "text_model.encoder.layers.0.self_attn.q_proj.bias",
        "vision_model.post_layernorm.weight",
    ):
        assert name not in decayed, name
    trainer.train()
    assert model.logit_scale.item() == pytest.approx(math.log(100.0), abs=1e-6)


def test_resume_reproduces_an_uninterrupted_run(tiny_clip, tmp_path):
    straight = train(tiny_clip, tmp_path / "straight", max_steps=12, save_strategy="no")
    first = train(tiny_clip, tmp_path / "halves", max_steps=12, save_strategy="steps", save_steps=6)
    checkpoint = tmp_path / "halves" / "out" / "checkpoint-6"
    saved = json.loads((checkpoint / STATE_FILE).read_text())
    assert saved["negative_types"] == TYPES and any(value > 0 for value in saved["thresholds"])
    model, processor = tiny_clip
    resumed = CompositionalCLIPTrainer(
        model=fresh(model),
        args=config(tmp_path / "halves", max_steps=12, save_strategy="steps", save_steps=6),
        train_dataset=make_dataset(64),
        processing_class=processor,
    )
    assert resumed.thresholds.tolist() == [0.0] * 4
    resumed.train(resume_from_checkpoint=str(checkpoint))
    torch.testing.assert_close(resumed.thresholds, straight.thresholds, rtol=1e-5, atol=1e-6)
    assert first.state.global_step == resumed.state.global_step == 12
    for (name, a), (_, b) in zip(straight.model.state_dict().items(), resumed.model.state_dict().items(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6, msg=name)


def test_saved_model_is_a_plain_clip_model(tiny_clip, tmp_path):
    trainer = train(tiny_clip, tmp_path, max_steps=3)
    output = tmp_path / "saved"
    trainer.save_model(str(output))
    model, processor = trainer.model.eval(), trainer.processing_class
    inputs = processor(text=["red left of blue"], images=make_rows(1)[0]["image"], return_tensors="pt", padding=True)
    with torch.no_grad():
        expected = model(**inputs)
    torch.save({**inputs, "text": expected.text_embeds, "image": expected.image_embeds}, tmp_path / "expected.pt")
    script = f"""
import sys, torch
from transformers import CLIPModel
model, info = CLIPModel.from_pretrained({str(output)!r}, output_loading_info=True)
assert not info["missing_keys"] and not info["unexpected_keys"], info
saved = torch.load({str(tmp_path / "expected.pt")!r}, weights_only=True)
with torch.no_grad():
    out = model.eval()(input_ids=saved["input_ids"], attention_mask=saved["attention_mask"], pixel_values=saved["pixel_values"])
torch.testing.assert_close(out.text_embeds, saved["text"]); torch.testing.assert_close(out.image_embeds, saved["image"])
assert "hf_compclip" not in sys.modules
print("plain")
"""
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert completed.stdout.strip().endswith("plain")
    assert isinstance(CLIPModel.from_pretrained(output), CLIPModel)
    assert set(load_file(output / "model.safetensors")) == set(trainer.model.state_dict())


def test_plain_clip_configuration_trains_without_negative_columns(tiny_clip, tmp_path):
    model, processor = tiny_clip
    dataset = make_dataset(32).remove_columns(["negatives", "negative_mask", "negative_types"])
    trainer = CompositionalCLIPTrainer(
        model=fresh(model),
        args=config(tmp_path, max_steps=3, itc_negatives="none", imc_weight=0, cmr_weight=0),
        train_dataset=dataset,
        processing_class=processor,
    )
    trainer.train()
    assert trainer.state.global_step == 3


def test_remove_unused_columns_is_forced_off(caplog):
    args = CompositionalCLIPConfig(output_dir="unused", remove_unused_columns=True, report_to="none")
    assert args.remove_unused_columns is False
    assert "remove_unused_columns" in caplog.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("itc_negatives", "all", "itc_negatives"),
        ("imc_weight", -1.0, "imc_weight"),
        ("threshold_mode", "avg", "threshold_mode"),
    ],
)
def test_config_validation(field, value, message):
    with pytest.raises(ValueError, match=message):
        CompositionalCLIPConfig(output_dir="unused", report_to="none", **{field: value})


def test_missing_negatives_column_is_named(tiny_clip, tmp_path):
    model, processor = tiny_clip
    dataset = make_dataset(8).remove_columns(["negatives"])
    with pytest.raises(ValueError, match=r"train_dataset has no column 'negatives'.*add_hard_negatives"):
        CompositionalCLIPTrainer(
            model=fresh(model), args=config(tmp_path), train_dataset=dataset, processing_class=processor
        )


def test_rows_with_different_k_are_named(tiny_clip):
    _, processor = tiny_clip
    rows = make_rows(3)
    rows[2]["negatives"], rows[2]["negative_mask"] = rows[2]["negatives"][:3], rows[2]["negative_mask"][:3]
    with pytest.raises(ValueError, match=r"batch row 2 .* has 3 negatives but batch row 0 has 4"):
        CompositionalCLIPCollator(processor, max_length=32)(rows)


def test_empty_caption_is_named(tiny_clip):
    _, processor = tiny_clip
    rows = make_rows(3)
    rows[1]["caption"] = "  "
    with pytest.raises(ValueError, match=r"batch row 1 .*caption is empty"):
        CompositionalCLIPCollator(processor, max_length=32)(rows)


def test_nan_loss_stops_with_the_terms(tiny_clip, tmp_path):
    model, processor = tiny_clip
    model = fresh(model)
    with torch.no_grad():
        model.visual_projection.weight[0, 0] = float("nan")
    trainer = CompositionalCLIPTrainer(
        model=model, args=config(tmp_path, max_steps=2), train_dataset=make_dataset(16), processing_class=processor
    )
    with pytest.raises(FloatingPointError, match=r"loss is nan at step 0 \(itc=nan"):
        trainer.train()


def test_training_curves_plot(tiny_clip, tmp_path):
    from hf_compclip.training.plots import plot_training_curves, training_curves

    trainer = train(tiny_clip, tmp_path, max_steps=10, logging_steps=2)
    series = training_curves(trainer.state.log_history)
    assert series["threshold/relation"][0] == [2, 4, 6, 8, 10]
    assert set(series) >= {"loss", "itc_loss", "imc_loss", "cmr_loss", "threshold/object"}
    path = plot_training_curves(trainer.state.log_history, tmp_path / "curves.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="logging_steps"):
        plot_training_curves([{"step": 1, "learning_rate": 0.1}], tmp_path / "empty.png")
