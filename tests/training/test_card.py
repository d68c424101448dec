"""The trainer writes a model card from what training did, at save and at push."""

from pathlib import Path

import pytest

from hf_compclip.hub import PushError, card_eval_results
from hf_compclip.training import CompositionalCLIPTrainer
from tests.hub.recording_hf_api import RecordingHfApi
from tests.training.data import make_dataset
from tests.training.test_trainer import config, fresh


class FixedScores:
    """An evaluator whose scores the test knows: the card must carry exactly these."""

    primary_metric = "shapes/avg"

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, model, processor):
        self.calls += 1
        assert not model.training
        return {"shapes/swap_att": 0.625, "shapes/avg": 0.75}


@pytest.fixture(scope="module")
def trained(tiny_clip, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("card")
    model, processor = tiny_clip
    evaluator = FixedScores()
    trainer = CompositionalCLIPTrainer(
        model=fresh(model),
        args=config(
            tmp_path, max_steps=4, logging_steps=2, eval_strategy="steps", eval_steps=3, hub_model_id="org/tiny"
        ),
        train_dataset=make_dataset(32),
        processing_class=processor,
        evaluator=evaluator,
        card_data={
            "datasets": ["shapes-world"],
            "negatives_generator": "rules@1",
            "negatives_quality": {"coverage": 0.9},
        },
    )
    trainer.train()
    evaluations = [entry for entry in trainer.state.log_history if "eval_shapes/avg" in entry]
    assert evaluations[0]["step"] == 3
    assert evaluator.calls == len(evaluations)  # every evaluation logged once, under the eval_ prefix
    return trainer


def test_save_writes_card_with_scores_and_plot(trained, tmp_path):
    output = tmp_path / "final"
    trained.save_model(str(output))
    card = (output / "README.md").read_text()
    assert card_eval_results(output / "README.md") == {"shapes": {"swap_att": 0.625, "avg": 0.75}}
    assert "imc_weight" in card and "rules@1" in card and "training_curves.png" in card
    assert "trained from a random initialisation" in card  # the tiny model has no base checkpoint
    assert "| optimizer | adamw_torch" in card and "OptimizerNames" not in card
    assert (output / "training_curves.png").stat().st_size > 1000
    assert any("eval_shapes/avg" in entry for entry in trained.state.log_history)


def test_unknown_card_key_is_named(trained, tmp_path):
    trained.card_data["dataset"] = "typo"
    try:
        with pytest.raises(ValueError, match=r"unknown keys \['dataset'\]"):
            trained.save_model(str(tmp_path / "typo"))
    finally:
        del trained.card_data["dataset"]


def test_push_to_hub_sends_plain_model_processor_and_card(trained):
    api = RecordingHfApi()
    url = trained.push_to_hub(token="hf_secret_token", api=api)
    assert url.startswith("https://huggingface.co/org/tiny/commit/")
    sent = set(api.sent_files)
    assert {"config.json", "model.safetensors", "README.md", "tokenizer.json", "training_curves.png"} <= sent
    assert not any(name.startswith("checkpoint-") or name.endswith(".pt") for name in sent)
    assert b"org/tiny" in api.sent_files["README.md"]
    assert all(b"hf_secret_token" not in content for content in api.sent_files.values())


def test_failed_push_keeps_the_local_save(trained):
    with pytest.raises(PushError):
        trained.push_to_hub(token="hf_secret_token", api=RecordingHfApi(fail_at="create_commit"))
    output = trained.args.output_dir
    assert (Path(output) / "model.safetensors").is_file()


def test_evaluator_scores_reach_callbacks_without_an_eval_dataset(tiny_clip, tmp_path):
    from transformers import TrainerCallback

    seen = []

    class Seen(TrainerCallback):
        def on_evaluate(self, args, state, control, metrics=None, **kwargs):
            seen.append(dict(metrics))

    model, processor = tiny_clip
    trainer = CompositionalCLIPTrainer(
        model=fresh(model),
        args=config(tmp_path, max_steps=2, eval_strategy="steps", eval_steps=2),
        train_dataset=make_dataset(16),
        processing_class=processor,
        evaluator=FixedScores(),
        callbacks=[Seen()],
    )
    trainer.train()
    assert seen and seen[0]["eval_shapes/avg"] == 0.75


def test_with_an_eval_dataset_one_entry_carries_loss_terms_and_scores(tiny_clip, tmp_path):
    model, processor = tiny_clip
    trainer = CompositionalCLIPTrainer(
        model=fresh(model),
        args=config(tmp_path, max_steps=2, per_device_eval_batch_size=8),
        train_dataset=make_dataset(16),
        eval_dataset=make_dataset(16, seed=1),
        processing_class=processor,
        evaluator=FixedScores(),
    )
    metrics = trainer.evaluate()
    assert metrics["eval_shapes/avg"] == 0.75 and metrics["eval_loss"] > 0
    entry = trainer.state.log_history[-1]
    assert {"eval_loss", "eval_itc_loss", "eval_shapes/swap_att"} <= set(entry)


def test_with_several_eval_datasets_the_evaluator_runs_once(tiny_clip, tmp_path):
    model, processor = tiny_clip
    evaluator = FixedScores()
    trainer = CompositionalCLIPTrainer(
        model=fresh(model),
        args=config(tmp_path, max_steps=2, per_device_eval_batch_size=8),
        train_dataset=make_dataset(16),
        eval_dataset={"a": make_dataset(16, seed=1), "b": make_dataset(8, seed=2)},
        processing_class=processor,
        evaluator=evaluator,
    )
    metrics = trainer.evaluate()
    assert evaluator.calls == 1
    assert metrics["eval_shapes/avg"] == 0.75 and metrics["eval_a_loss"] > 0 and metrics["eval_b_itc_loss"] > 0
    assert not any(key.startswith(("eval_a_shapes", "eval_b_shapes")) for key in metrics)
    assert trainer.evaluator is evaluator


def test_push_needs_a_full_repository_id(trained):
    trained.args.hub_model_id = "tiny"
    try:
        with pytest.raises(ValueError, match="org_or_user/name"):
            trained.push_to_hub(api=RecordingHfApi())
    finally:
        trained.args.hub_model_id = "org/tiny"


def test_lora_push_sends_the_merged_plain_model(tiny_clip, tmp_path):
    model, processor = tiny_clip
    trainer = CompositionalCLIPTrainer(
        model=fresh(model),
        args=config(tmp_path, max_steps=2, lora_rank=4, hub_model_id="org/lora"),
        train_dataset=make_dataset(16),
        processing_class=processor,
    )
    trainer.train()
    api = RecordingHfApi()
    trainer.push_to_hub(api=api)
    assert "model.safetensors" in api.sent_files
    assert not any(name.startswith("adapter_") for name in api.sent_files)
