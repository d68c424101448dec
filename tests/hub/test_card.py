"""Model cards: content rendered from a run's plain values, and eval results surviving the Hub's parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from huggingface_hub import ModelCard

from hf_compclip.hub import card_eval_results, eval_results_to_hub, render_model_card, save_model_card

EVAL_RESULTS = {
    "sugarcrepe": {"replace_obj": 0.9123, "swap_att": 0.7012, "add_att": 0.85},
    "aro_vg_relation": {"macro_accuracy": 0.8301},
    "imagenet_zero_shot": {"top1": 0.499},
    "coco_retrieval": {"image_to_text_r@1": 0.61},
}


def _inputs(tmp_path: Path) -> dict:
    plot = tmp_path / "plots" / "cmr_thresholds.png"
    plot.parent.mkdir()
    plot.write_bytes(b"\x89PNG fake")
    return {
        "base_model": "openai/clip-vit-base-patch32",
        "repo_id": "org/compclip",
        "datasets": ["COCO 2014 train captions", "yerevann/coco-karpathy"],
        "negatives_generator": "ce-clip-pos@1",
        "negatives_quality": {"blind classifier accuracy": 0.6312, "valid relation slots": 0.41},
        "loss_config": {"lambda_imc": 0.3, "lambda_cmr": 0.2, "threshold": "adaptive", "upper_bound": 10},
        "hyperparameters": {"learning_rate": 5e-6, "per_device_train_batch_size": 256, "seed": 42},
        "eval_results": EVAL_RESULTS,
        "threshold_plot": plot,
        "license": "mit",
    }


def test_eval_results_round_trip_through_hub_parser(tmp_path: Path) -> None:
    path = save_model_card(tmp_path / "model", **_inputs(tmp_path))

    loaded = ModelCard.load(path)
    assert card_eval_results(loaded) == EVAL_RESULTS
    assert card_eval_results(path.read_text()) == EVAL_RESULTS
    assert card_eval_results(str(path)) == EVAL_RESULTS  # a path given as a string is read, not parsed as text
    with pytest.raises(FileNotFoundError, match=r"model card .*missing\.md not found"):
        card_eval_results(str(tmp_path / "missing.md"))
    entries = {(entry.dataset_type, entry.metric_type): entry for entry in loaded.data.eval_results}
    assert entries["sugarcrepe", "swap_att"].metric_value == pytest.approx(0.7012)
    assert entries["sugarcrepe", "swap_att"].dataset_name == "SugarCrepe"
    assert entries["aro_vg_relation", "macro_accuracy"].dataset_name == "ARO VG-Relation"
    assert entries["imagenet_zero_shot", "top1"].task_type == "zero-shot-image-classification"
    assert entries["coco_retrieval", "image_to_text_r@1"].task_type == "image-text-retrieval"
    assert entries["sugarcrepe", "add_att"].task_type == "image-text-matching"
    assert loaded.data.model_name == "compclip"


# the names hf_compclip.evaluation's registry gives its benchmarks, as the harness and the trainer report them
HARNESS_NAMES = {
    "sugarcrepe": ("SugarCrepe", "image-text-matching"),
    "sugarcrepe_pp": ("SugarCrepe++", "image-text-matching"),
    "aro_relation": ("ARO VG-Relation", "image-text-matching"),
    "aro_attribution": ("ARO VG-Attribution", "image-text-matching"),
    "coco_order": ("ARO COCO-Order", "image-text-matching"),
    "flickr30k_order": ("ARO Flickr30k-Order", "image-text-matching"),
    "valse": ("VALSE", "image-text-matching"),
    "vl_checklist": ("VL-CheckList", "image-text-matching"),
    "winoground": ("Winoground", "image-text-matching"),
    "coco_retrieval": ("COCO retrieval", "image-text-retrieval"),
    "flickr30k_retrieval": ("Flickr30k retrieval", "image-text-retrieval"),
    "zeroshot": ("Zero-shot classification", "zero-shot-image-classification"),
    "zeroshot_cifar10": ("zeroshot_cifar10", "zero-shot-image-classification"),
}


def test_harness_benchmark_names_get_display_names_and_tasks() -> None:
    from hf_compclip.evaluation import BENCHMARKS

    assert set(BENCHMARKS) <= set(HARNESS_NAMES)  # a benchmark added to the harness needs a card name here
    entries = eval_results_to_hub({name: {"score": 0.5} for name in HARNESS_NAMES})
    assert {entry.dataset_type: (entry.dataset_name, entry.task_type) for entry in entries} == HARNESS_NAMES


def test_metadata_and_sections(tmp_path: Path) -> None:
    path = save_model_card(tmp_path / "model", **_inputs(tmp_path))
    card = ModelCard.load(path)
    text = path.read_text()

    assert card.data.base_model == "openai/clip-vit-base-patch32"
    assert card.data.datasets == ["yerevann/coco-karpathy"]  # only Hub ids go into metadata
    assert card.data.license == "mit"
    assert card.data.library_name == "transformers"
    assert {"clip", "ce-clip", "hf-compclip"} <= set(card.data.tags)
    assert "Training data: COCO 2014 train captions, yerevann/coco-karpathy" in text
    assert "Hard negatives: `ce-clip-pos@1`" in text
    assert "| blind classifier accuracy | 0.6312 |" in text
    assert "| lambda_imc | 0.3 |" in text
    assert "| learning_rate | 5e-06 |" in text
    assert "| sugarcrepe | replace_obj | 0.9123 |" in text
    assert 'CLIPModel.from_pretrained("org/compclip")' in text
    assert "49.9%" in text  # the zero-shot cost
    assert "@inproceedings{zhang2024contrasting" in text
    assert "![CMR thresholds over training](cmr_thresholds.png)" in text
    assert (tmp_path / "model" / "cmr_thresholds.png").read_bytes() == b"\x89PNG fake"


def test_a_local_base_model_is_named_in_the_text_but_kept_out_of_the_metadata(tmp_path: Path) -> None:
    local = tmp_path / "outputs" / "pretrained" / "seed0"
    local.mkdir(parents=True)
    for index, base in enumerate((str(local), "outputs/shapes/pretrained/seed0")):
        root = tmp_path / f"run{index}"
        root.mkdir()
        path = save_model_card(root / "model", **{**_inputs(root), "base_model": base})
        assert ModelCard.load(path).data.base_model is None
        assert f"fine-tuned from `{base}`" in path.read_text()


def test_the_plain_clip_loss_control_does_not_claim_ce_clip(tmp_path: Path) -> None:
    control = {"itc_negatives": "none", "imc_weight": 0, "cmr_weight": 0}
    text = save_model_card(tmp_path / "model", **{**_inputs(tmp_path), "loss_config": control}).read_text()
    assert "understanding with the plain CLIP loss, as a control." in text
    assert "plain symmetric CLIP loss, without hard negatives" in text
    assert "Fine-tuned with hf_compclip's implementation of CE-CLIP" not in text


def test_conversion_card_has_no_training_claims() -> None:
    text = render_model_card(base_model=None, conversion={"source": "epoch_5.pt", "activation": "quick_gelu"})
    assert "| activation | quick_gelu |" in text
    assert "## Training" not in text
    assert "@inproceedings" not in text
    assert ModelCard(text).data.eval_results is None


def test_table_cells_cannot_break_rows() -> None:
    text = render_model_card(base_model="b", hyperparameters={"schedule": "cosine|warmup\n50"})
    assert "| schedule | cosine\\|warmup 50 |" in text


@pytest.mark.parametrize(
    "bad", [{"sugarcrepe": {"replace_obj": "high"}}, {"valse": {"avg": float("nan")}}, {"x": 0.5}]
)
def test_bad_eval_results_are_named(bad: dict) -> None:
    benchmark = next(iter(bad))
    with pytest.raises(ValueError, match=rf"eval_results\['{benchmark}'\]"):
        render_model_card(base_model="b", eval_results=bad)


def test_missing_plot_is_reported(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"threshold_plot .*missing\.png"):
        save_model_card(tmp_path, base_model="b", threshold_plot=tmp_path / "missing.png")
