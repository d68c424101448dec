"""Weight interpolation: exact endpoints, the midpoint, the CLI, and the sweep with its trade-off plot."""

import json

import pytest
import torch
from PIL import Image
from transformers import CLIPModel

from hf_compclip.cli import main
from hf_compclip.evaluation import ChoiceItem, CompositionalEvaluator, ImageRef
from hf_compclip.training.interpolation import (
    interpolate_models,
    interpolate_state_dicts,
    plot_tradeoff,
    sweep_interpolation,
)
from tests.training.data import fresh


@pytest.fixture(scope="module")
def pair(tiny_clip):
    """The tiny CLIP and a 'fine-tuned' copy whose every float weight moved."""
    base, processor = tiny_clip
    tuned = fresh(base)
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for parameter in tuned.parameters():
            parameter.add_(0.05 * torch.randn(parameter.shape, generator=generator))
    return base, tuned, processor


@pytest.mark.parametrize(("alpha", "which"), [(0.0, "base"), (1.0, "tuned")])
def test_endpoints_are_reproduced_bit_for_bit(pair, alpha, which):
    base, tuned, _ = pair
    expected = (base if which == "base" else tuned).state_dict()
    mixed = interpolate_models(base, tuned, alpha).state_dict()
    for name, tensor in expected.items():
        assert torch.equal(mixed[name], tensor), name


def test_midpoint_is_the_mean_and_integer_buffers_are_kept(pair):
    base, tuned, _ = pair
    mixed = interpolate_state_dicts(base.state_dict(), tuned.state_dict(), 0.25)
    name = "text_model.encoder.layers.1.mlp.fc1.weight"
    torch.testing.assert_close(mixed[name], 0.75 * base.state_dict()[name] + 0.25 * tuned.state_dict()[name])
    ids = "text_model.embeddings.position_ids"
    if ids in mixed:
        assert mixed[ids].dtype == torch.int64 and torch.equal(mixed[ids], base.state_dict()[ids])


def test_mismatched_models_and_bad_alpha_are_named(pair):
    base, tuned, _ = pair
    state = dict(tuned.state_dict())
    state["visual_projection.weight"] = state["visual_projection.weight"][:, :3]
    with pytest.raises(ValueError, match=r"visual_projection.weight: shape"):
        interpolate_state_dicts(base.state_dict(), state, 0.5)
    with pytest.raises(ValueError, match="alpha must be in"):
        interpolate_state_dicts(base.state_dict(), tuned.state_dict(), 1.5)


def test_cli_interpolate_writes_a_plain_clip_checkpoint(pair, tmp_path):
    base, tuned, processor = pair
    for name, model in (("base", base), ("tuned", tuned)):
        model.save_pretrained(tmp_path / name)
        processor.save_pretrained(tmp_path / name)
    for alpha in ("0", "1", "0.5"):
        output = tmp_path / f"mix{alpha}"
        code = main(
            [
                "interpolate",
                "--base",
                str(tmp_path / "base"),
                "--finetuned",
                str(tmp_path / "tuned"),
                "--alpha",
                alpha,
                "--output",
                str(output),
            ]
        )
        assert code == 0
        assert (output / "model.safetensors").exists() and not list(output.glob("*.bin"))
        assert json.loads((output / "interpolation.json").read_text())["alpha"] == float(alpha)
    loaded = {alpha: CLIPModel.from_pretrained(tmp_path / f"mix{alpha}").state_dict() for alpha in ("0", "1", "0.5")}
    for name, tensor in base.state_dict().items():
        assert torch.equal(loaded["0"][name], tensor), name
        assert torch.equal(loaded["1"][name], tuned.state_dict()[name]), name
    name = "vision_model.encoder.layers.0.self_attn.k_proj.weight"
    torch.testing.assert_close(loaded["0.5"][name], (base.state_dict()[name] + tuned.state_dict()[name]) / 2)


def _evaluator() -> CompositionalEvaluator:
    colours = {"red": (220, 30, 30), "blue": (30, 30, 220), "green": (30, 200, 30)}
    images = {name: Image.new("RGB", (32, 32), rgb) for name, rgb in colours.items()}
    items = [
        ChoiceItem(
            id=f"{a}-{b}",
            image=ImageRef(a),
            positives=(f"{a} left of {a}",),
            negatives=(f"{b} left of {b}",),
            category="colour",
        )
        for a in colours
        for b in colours
        if a != b
    ]
    return CompositionalEvaluator.from_items(items, images, name="colours", show_progress=False, batch_size=8)


def test_sweep_scores_every_alpha_and_plots_the_curve(pair, tmp_path):
    base, tuned, processor = pair
    evaluator = _evaluator()
    rows = sweep_interpolation(base, tuned, [0.0, 0.5, 1.0], lambda model: evaluator(model, processor))
    assert [row["alpha"] for row in rows] == [0.0, 0.5, 1.0]
    assert rows[0]["colours/avg"] == evaluator(base, processor)["colours/avg"]
    assert rows[2]["colours/avg"] == evaluator(tuned, processor)["colours/avg"]
    for row in rows:
        row["fake_zeroshot/top1"] = 1 - row["alpha"]
    path = plot_tradeoff(rows, "fake_zeroshot/top1", "colours/avg", tmp_path / "tradeoff.png")
    assert path.stat().st_size > 1000 and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(KeyError, match="'nope' is missing"):
        plot_tradeoff(rows, "nope", "colours/avg", tmp_path / "x.png")


def test_cli_sweep_writes_scores_per_alpha_and_the_plot(pair, tmp_path):
    base, tuned, processor = pair
    for name, model in (("base", base), ("tuned", tuned)):
        model.save_pretrained(tmp_path / name)
        processor.save_pretrained(tmp_path / name)
    colours = {"red": (220, 30, 30), "blue": (30, 30, 220), "green": (30, 200, 30)}
    (tmp_path / "sugarcrepe").mkdir()
    (tmp_path / "images").mkdir()
    items = {}
    for index, (name, rgb) in enumerate(colours.items()):
        Image.new("RGB", (32, 32), rgb).save(tmp_path / "images" / f"{name}.png")
        other = list(colours)[(index + 1) % 3]
        items[str(index)] = {"filename": f"{name}.png", "caption": f"{name} above {name}", "negative_caption": other}
        (tmp_path / "classes" / name).mkdir(parents=True)
        Image.new("RGB", (32, 32), rgb).save(tmp_path / "classes" / name / "0.png")
    (tmp_path / "sugarcrepe" / "swap_obj.json").write_text(json.dumps(items))
    output = tmp_path / "sweep"
    code = main(["interpolate-sweep", "--base", str(tmp_path / "base"), "--finetuned", str(tmp_path / "tuned"),
                 "--alphas", "0,0.5,1", "--benchmarks", "sugarcrepe,zeroshot", "--device", "cpu",
                 "--data-root", f"sugarcrepe={tmp_path / 'sugarcrepe'}", "--image-root", f"sugarcrepe={tmp_path / 'images'}",
                 "--image-root", f"zeroshot={tmp_path / 'classes'}", "--output", str(output)])  # fmt: skip
    assert code == 0
    record = json.loads((output / "sweep.json").read_text())
    assert (record["x_metric"], record["y_metric"]) == ("zeroshot/top1", "sugarcrepe/avg")
    assert [row["alpha"] for row in record["rows"]] == [0.0, 0.5, 1.0]
    assert all(0 <= row["zeroshot/top1"] <= 1 and 0 <= row["sugarcrepe/swap_obj"] <= 1 for row in record["rows"])
    assert (output / "tradeoff.png").read_bytes()[:4] == b"\x89PNG"
