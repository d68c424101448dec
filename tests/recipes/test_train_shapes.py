"""recipes/train_shapes.py, the README's main job, on a tiny world: every artefact it promises is there."""

import json

import pytest
import torch
from transformers import CLIPModel

from hf_compclip.hub import card_eval_results


def patch_weights(run_dir) -> torch.Tensor:
    return CLIPModel.from_pretrained(run_dir).vision_model.embeddings.patch_embedding.weight.detach()


def test_short_demo_run_writes_models_results_and_plots(shapes_recipe, tmp_path):
    output = tmp_path / "shapes"
    argv = [
        "--output_dir", str(output), "--train_size", "48", "--test_size", "60", "--benchmark_size", "4",
        "--configurations", "clip,ce_clip", "--seeds", "0,1", "--max_steps", "3", "--logging_steps", "1",
        "--per_device_train_batch_size", "16", "--disable_tqdm", "true",
    ]  # fmt: skip
    summary = shapes_recipe.main(argv)

    results = json.loads((output / "results.json").read_text())
    assert set(results["runs"]) == {"pretrained", "clip", "ce_clip"}
    assert all(len(seeds) == 2 for seeds in results["runs"].values())
    for name, seeds in results["runs"].items():
        mean, _, count = summary[name]["heldout/avg"]
        assert count == 2
        assert abs(mean - sum(scores["heldout/avg"] for scores in seeds) / 2) < 1e-12
    table = (output / "results.md").read_text()
    assert (
        "| heldout/swap_att |" in table
        and "| seen/avg |" in table
        and "Seeds per configuration: pretrained 2, clip 2, ce_clip 2." in table
    )
    assert (output / "results.png").read_bytes()[:4] == b"\x89PNG"

    run = output / "ce_clip" / "seed1"
    model, info = CLIPModel.from_pretrained(run, output_loading_info=True)
    assert type(model) is CLIPModel
    assert not info["missing_keys"] and not info["unexpected_keys"]
    assert (run / "training_curves.png").is_file()
    card_scores = card_eval_results(run / "README.md")
    assert card_scores["heldout"]["avg"] == results["runs"]["ce_clip"][1]["heldout/avg"]
    assert card_scores["seen"]["swap_obj"] == results["runs"]["ce_clip"][1]["seen/swap_obj"]
    # Every configuration of a seed fine-tunes that seed's pretrained model, and its card says so.
    assert str(output / "pretrained" / "seed1") in (run / "README.md").read_text()
    start = {seed: patch_weights(output / "pretrained" / f"seed{seed}") for seed in (0, 1)}
    for name in ("clip", "ce_clip"):
        tuned = patch_weights(output / name / "seed1")
        assert 0 < (tuned - start[1]).norm() < 0.1 * (tuned - start[0]).norm()

    scratch = tmp_path / "scratch"
    shapes_recipe.main([*argv[2:], "--output_dir", str(scratch), "--world_dir", str(output / "world"),
                        "--configurations", "clip", "--seeds", "0", "--pretrain_epochs", "0"])  # fmt: skip
    assert set(json.loads((scratch / "results.json").read_text())["runs"]) == {"clip"}
    assert "trained from a random initialisation" in (scratch / "clip" / "seed0" / "README.md").read_text()

    changed = [*argv, "--train_size", "64"]
    with pytest.raises(ValueError, match=r"= \(0, 4, 0.0, 48, 60\), not \(0, 4, 0.0, 64, 60\)"):
        shapes_recipe.main(changed)
    with pytest.raises(ValueError, match=r"= \(0, 4, 0.0, 48, 60\), not \(0, 4, 0.1, 48, 60\)"):
        shapes_recipe.main([*argv, "--jitter", "0.1"])
