"""The Colab notebooks run top to bottom in a fresh kernel, in TINY mode and offline, and show what they promise."""

from __future__ import annotations

import json
import re

import nbformat
import pytest
import torch

from tests.notebooks.runner import NOTEBOOKS, image_outputs, run_notebook, text_output

NAMES = ["01_quickstart.ipynb", "02_evaluate_any_checkpoint.ipynb", "03_coco_finetuning.ipynb"]

# The open_clip model of tests/hub/open_clip_models.py (SMALL), as open_clip's own model-config JSON.
SMALL_OPEN_CLIP_CONFIG = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 32, "layers": 2, "width": 64, "patch_size": 8, "head_width": 32},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 48, "heads": 4, "layers": 2},
}


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebooks_have_no_outputs_and_install_only_when_missing(name):
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code), "clear the outputs"
    install = code[0].source
    assert 'if importlib.util.find_spec("hf_compclip") is None:' in install
    assert '%pip install -q "hf-compclip[test] @ git+{REPO_URL}"' in install
    guarded = install.split("is None:", 1)[1]
    assert all(line.startswith("    ") for line in guarded.strip("\n").splitlines()), "every install step is guarded"
    assert "PLACEHOLDER" in install and "YOUR-ORG" in install
    assert "HF_COMPCLIP_NOTEBOOK_TINY" in code[1].source, "the parameters cell follows the install cell"


def test_quickstart_trains_both_models_and_shows_table_plot_and_scores(tmp_path):
    notebook = run_notebook("01_quickstart.ipynb", tmp_path)
    text = text_output(notebook)
    table = re.search(r"\| metric \| pretrained \| clip \| ce_clip \|\n\|.*\n((?:\|.*\n)+)", text)
    assert table, text[-2000:]
    rows = {line.split("|")[1].strip() for line in table.group(1).splitlines()}
    categories = ["replace_obj", "replace_att", "replace_rel", "swap_obj", "swap_att", "add_obj", "add_att", "avg"]
    assert {f"{benchmark}/{c}" for benchmark in ("heldout", "seen") for c in categories} <= rows
    assert re.search(r"clip \(CLIPModel\): caption -?\d+\.\d+ vs negative -?\d+\.\d+ -> (right|wrong)", text)
    assert re.search(r"ce_clip \(CLIPModel\): caption -?\d+\.\d+ vs negative -?\d+\.\d+ -> (right|wrong)", text)
    assert "'swap_obj':" in text, "the card's model-index metadata holds the benchmark scores"
    # the world's pictures, the results chart, the threshold plot and the benchmark picture
    assert image_outputs(notebook) == 4
    summary = json.loads((tmp_path / "run" / "shapes-demo" / "results.json").read_text())["summary"]
    assert set(summary) == {"pretrained", "clip", "ce_clip"}
    for line in table.group(1).splitlines():  # the table shown is this run's: mean ± std in percent
        cells = [cell.strip() for cell in line.split("|")[1:-1]]
        for configuration, cell in zip(["pretrained", "clip", "ce_clip"], cells[1:], strict=True):
            mean, std, _ = summary[configuration][cells[0]]
            assert cell == f"{100 * mean:.1f} ± {100 * std:.1f}"


@pytest.fixture
def open_clip_checkpoint(tmp_path):
    """A random-weight open_clip model saved as a training checkpoint (``module.`` keys), with its model config."""
    from tests.hub.conftest import import_open_clip
    from tests.hub.open_clip_models import small_open_clip

    model = small_open_clip(import_open_clip(), quick_gelu=True)
    path = tmp_path / "epoch_1.pt"
    torch.save({"epoch": 1, "state_dict": {f"module.{k}": v for k, v in model.state_dict().items()}}, path)
    config = tmp_path / "small.json"
    config.write_text(json.dumps(SMALL_OPEN_CLIP_CONFIG))
    return path, config


def test_evaluate_notebook_scores_the_model_and_a_converted_open_clip_checkpoint(tmp_path, open_clip_checkpoint):
    checkpoint, config = open_clip_checkpoint
    notebook = run_notebook(
        "02_evaluate_any_checkpoint.ipynb",
        tmp_path,
        {
            "HF_COMPCLIP_NOTEBOOK_OPEN_CLIP_CHECKPOINT": str(checkpoint),
            "HF_COMPCLIP_NOTEBOOK_OPEN_CLIP_CONFIG": str(config),
        },
    )
    text = text_output(notebook)
    assert re.search(r"loaded tiny-clip: CLIPModel, 0\.\d+M parameters, activation quick_gelu, on cpu", text)
    saved = json.loads((tmp_path / "run" / "results" / "model.json").read_text())["results"]
    assert set(saved) == {"sugarcrepe", "valse"}
    for name, result in saved.items():  # every score in the saved file is in the table shown
        for metric, value in result["scores"].items():
            assert f"| {name} | {metric}" in text and f"{100 * value:.2f}" in text
    assert f"converted {checkpoint} -> converted/epoch_1 (quick_gelu)" in text
    converted = json.loads((tmp_path / "run" / "results" / "converted.json").read_text())["results"]
    assert set(converted) == {"sugarcrepe", "valse"}
    assert "| metric | model | converted |" in text and "| sugarcrepe/avg |" in text
    assert image_outputs(notebook) == 1


def test_coco_notebook_shows_negatives_trains_with_lora_sweeps_and_skips_the_push(tmp_path):
    from safetensors.torch import load_file

    notebook = run_notebook("03_coco_finetuning.ipynb", tmp_path)
    text = text_output(notebook)
    negatives = re.search(r"\| caption \| relation \| attribute \| object \| action \|\n\|.*\n((?:\|.*\n?)+)", text)
    assert negatives and len(negatives.group(1).strip().splitlines()) == 6
    assert "ce-clip-coco: a plain CLIPModel" in text
    run = tmp_path / "run"
    base, tuned = (
        load_file(run / "tiny-clip" / "model.safetensors"),
        load_file(run / "ce-clip-coco" / "model.safetensors"),
    )
    assert set(base) == set(tuned), "LoRA adapters are merged into plain CLIPModel weights"
    query = "text_model.encoder.layers.0.self_attn.q_proj.weight"
    assert not torch.equal(base[query], tuned[query])
    for frozen in ("text_model.embeddings.token_embedding.weight", "text_model.encoder.layers.0.mlp.fc1.weight"):
        assert torch.equal(base[frozen], tuned[frozen]), "only the attention projections carry LoRA updates"
    sweep = json.loads((run / "sweep" / "sweep.json").read_text())
    assert [row["alpha"] for row in sweep["rows"]] == [0.0, 0.5, 1.0]
    for row in sweep["rows"]:
        assert f"| {row['alpha']:g} | {100 * row['zeroshot/top1']:.1f} | {100 * row['sugarcrepe/avg']:.1f} |" in text
    middle = load_file(run / "ce-clip-coco-alpha0.5" / "model.safetensors")
    torch.testing.assert_close(middle[query], (base[query] + tuned[query]) / 2)
    assert "Push skipped" in text
    assert image_outputs(notebook) == 2  # the loss/threshold curves and the trade-off plot
