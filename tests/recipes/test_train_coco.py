"""recipes/train_coco.py end to end on the tiny COCO fixture: one process, two processes, resume, bad images."""

import json
import logging
import os
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file
from transformers import CLIPModel

from tests.processes import free_port
from tests.recipes.conftest import FIXTURE, OFFICIAL, ROOT


def recipe_args(model_dir, output_dir, cache_dir, annotation=OFFICIAL, image_dir=FIXTURE, **overrides) -> list[str]:
    settings = {
        "annotation_file": annotation,
        "image_dir": image_dir,
        "model_name_or_path": model_dir,
        "output_dir": output_dir,
        "dataset_cache_dir": cache_dir,
        "negatives": "rules",
        "bf16": "false",
        "global_batch_size": 8,
        "learning_rate": 1e-3,
        "warmup_steps": 0,
        "max_steps": 4,
        "logging_steps": 1,
        "save_strategy": "no",
        "dataloader_num_workers": 0,
        "disable_tqdm": "true",
        "use_cpu": "true",
    }
    settings.update(overrides)
    return [item for key, value in settings.items() for item in (f"--{key}", str(value))]


def changed_weights(model_dir, output_dir) -> int:
    before, after = load_file(model_dir / "model.safetensors"), load_file(output_dir / "model.safetensors")
    assert set(before) == set(after)
    return sum(not torch.equal(before[name], after[name]) for name in before)


def test_single_process_run_trains_and_saves_a_plain_clip_model(recipe, tiny_model_dir, tmp_path):
    output = tmp_path / "out"
    assert recipe.main(recipe_args(tiny_model_dir, output, tmp_path / "cache")) == 0
    state = json.loads((output / "trainer_state.json").read_text())
    assert state["global_step"] == 4 and state["train_batch_size"] == 8
    logged = [entry for entry in state["log_history"] if "loss" in entry]
    assert len(logged) == 4 and all("threshold/relation" in entry and "cmr_loss" in entry for entry in logged)
    assert changed_weights(tiny_model_dir, output) > 50
    _, info = CLIPModel.from_pretrained(output, output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"]
    assert not list(output.glob("*.bin")) or [p.name for p in output.glob("*.bin")] == ["training_args.bin"]
    assert (output / "training_curves.png").stat().st_size > 1000


def test_paper_defaults_come_from_the_config_file_and_flags_override_them(recipe, tmp_path):
    model_args, data_args, args = recipe.parse_args(
        ["--annotation_file", "a.json", "--image_dir", "imgs", "--output_dir", str(tmp_path), "--bf16", "false"]
    )
    assert model_args.model_name_or_path == "openai/clip-vit-base-patch32"
    assert data_args.global_batch_size == 256 and data_args.negatives == "paper" and data_args.min_crop_scale == 0.9
    assert (args.learning_rate, args.adam_beta2, args.adam_epsilon, args.weight_decay) == (5e-6, 0.98, 1e-6, 0.1)
    assert (args.num_train_epochs, args.warmup_steps, args.seed, args.imc_weight, args.cmr_weight) == (
        5,
        50,
        42,
        0.3,
        0.2,
    )
    assert args.lr_scheduler_type == "cosine" and args.bf16 is False
    bad = tmp_path / "bad.yaml"
    bad.write_text("learning_rat: 1.0\n")
    with pytest.raises(SystemExit, match=r"bad.yaml: unknown keys \['learning_rat'\]"):
        recipe.parse_args(["--config", str(bad), "--annotation_file", "a", "--image_dir", "b"])


@pytest.mark.distributed
def test_two_processes_share_the_global_batch(tiny_model_dir, tmp_path):
    output = tmp_path / "out"
    command = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
               "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port", str(free_port()),
               str(ROOT / "recipes" / "train_coco.py"),
               *recipe_args(tiny_model_dir, output, tmp_path / "cache", max_steps=3)]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    completed = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert completed.returncode == 0, completed.stderr[-4000:]
    assert "global batch 8 = 2 processes x 4" in completed.stderr
    state = json.loads((output / "trainer_state.json").read_text())
    assert state["global_step"] == 3 and state["train_batch_size"] == 4
    assert changed_weights(tiny_model_dir, output) > 50


def test_resume_through_the_recipe_matches_an_uninterrupted_run(recipe, tiny_model_dir, tmp_path):
    straight, halves = tmp_path / "straight", tmp_path / "halves"
    # min_crop_scale 1: the dataloader fetches one batch ahead of the checkpoint, so that batch's random crops
    # differ after a resume; without the crop the resumed run is the same run.
    common = {"save_strategy": "steps", "save_steps": 2, "min_crop_scale": 1.0}
    assert recipe.main(recipe_args(tiny_model_dir, straight, tmp_path / "cache", **common)) == 0
    halves.mkdir()
    os.symlink(straight / "checkpoint-2", halves / "checkpoint-2", target_is_directory=True)
    resumed = recipe_args(tiny_model_dir, halves, tmp_path / "cache", resume_from_checkpoint="last", **common)
    assert recipe.main(resumed) == 0
    state = json.loads((halves / "trainer_state.json").read_text())
    assert state["global_step"] == 4
    reference = json.loads((straight / "trainer_state.json").read_text())
    losses = [[(e["step"], e["loss"]) for e in run["log_history"] if "loss" in e] for run in (reference, state)]
    assert losses[0] == losses[1] and [step for step, _ in losses[1]] == [1, 2, 3, 4]  # 1-2 come from the checkpoint
    a, b = load_file(straight / "model.safetensors"), load_file(halves / "model.safetensors")
    for name in a:
        torch.testing.assert_close(a[name], b[name], rtol=1e-5, atol=1e-6, msg=name)
    assert json.loads((straight / "checkpoint-4" / "compositional_state.json").read_text()) == json.loads(
        (halves / "checkpoint-4" / "compositional_state.json").read_text()
    )


def test_missing_image_is_named_and_the_skip_flag_counts_it(recipe, tiny_model_dir, coco_copy, tmp_path, caplog):
    missing = coco_copy / "val2014" / "COCO_val2014_000000060623.jpg"
    missing.unlink()
    annotation = coco_copy / "annotations" / "captions_val2014.json"
    args = recipe_args(tiny_model_dir, tmp_path / "out", tmp_path / "cache", annotation=annotation,
                       image_dir=coco_copy, max_steps=1)  # fmt: skip
    with pytest.raises(FileNotFoundError, match=rf"image {missing} .*no such file.*--skip_missing_images"):
        recipe.main(args)
    with caplog.at_level(logging.INFO):
        assert recipe.main([*args, "--skip_missing_images", "true"]) == 0
    assert "35 captions from" in caplog.text and "skipped 5 captions of 1 missing or unreadable images" in caplog.text
