import json

import evaluate as hf_evaluate
import pytest
import torch
from datasets import Dataset, Features, Value
from datasets import Image as ImageFeature

from hf_compclip.cli import main
from hf_compclip.evaluation import (
    COMPOSITIONAL_ACCURACY_METRIC,
    ChoiceItem,
    CompositionalEvaluator,
    ImageRef,
    evaluate,
    sugarcrepe_from_datasets,
    winoground_from_rows,
)
from hf_compclip.evaluation.registry import expand_names, root_for
from hf_compclip.tiny import build_tiny_clip

from .conftest import FIXTURES, save_image

SUGARCREPE = FIXTURES / "sugarcrepe"


@pytest.fixture(scope="module")
def tiny():
    texts = []
    for path in SUGARCREPE.glob("*.json"):
        for item in json.loads(path.read_text()).values():
            texts += [item["caption"], item["negative_caption"]]
    return build_tiny_clip(texts, vocab_size=300)


@pytest.fixture
def coco_images(tmp_path):
    for number in (1, 2, 3):
        save_image(tmp_path / f"00000000000{number}.jpg", 40 * number)
    return tmp_path


def test_evaluator_gives_flat_metrics_and_restores_the_mode(tiny, coco_images):
    model, processor = tiny
    evaluator = CompositionalEvaluator(["sugarcrepe"], SUGARCREPE, coco_images, batch_size=4, show_progress=False)
    assert evaluator.primary_metric == "sugarcrepe/avg"
    for training in (True, False):
        model.train(training)
        metrics = evaluator(model, processor)
        assert model.training is training
    assert set(metrics) == {
        f"sugarcrepe/{k}" for k in ("replace_obj", "replace_att", "swap_obj", "add_att", "replace", "swap", "add")
    } | {"sugarcrepe/avg", "sugarcrepe/micro"}
    assert all(0.0 <= value <= 1.0 for value in metrics.values())
    # the same numbers as scoring each pair with the full model forward
    model.eval()
    items = evaluator.benchmarks[0].items
    correct = []
    with torch.no_grad():
        for item in items:
            from PIL import Image

            image = Image.open(coco_images / item.image.key).convert("RGB")
            inputs = processor(
                text=[*item.positives, *item.negatives], images=image, return_tensors="pt", padding=True
            )
            logits = model(**inputs).logits_per_image[0]
            correct.append(bool(logits[0] > logits[1]))
    assert metrics["sugarcrepe/micro"] == pytest.approx(sum(correct) / len(correct))


def test_evaluate_api_and_in_memory_items(tiny, coco_images):
    model, processor = tiny
    results = evaluate(model, processor, "sugarcrepe", SUGARCREPE, coco_images, show_progress=False)
    assert set(results) == {"sugarcrepe"} and 0.0 <= results["sugarcrepe"]["replace_att"] <= 1.0
    from PIL import Image

    images = {"a": Image.new("RGB", (8, 8), (250, 0, 0))}
    items = [ChoiceItem(ImageRef("a"), ("a dog on a sofa",), ("a sofa on a dog",), "swap", "0")]
    evaluator = CompositionalEvaluator.from_items(items, images, name="demo", show_progress=False)
    metrics = evaluator(model, processor)
    assert evaluator.primary_metric == "demo/avg" and set(metrics) == {"demo/swap", "demo/avg", "demo/micro"}


def test_roots_per_benchmark_and_aliases(tmp_path):
    (tmp_path / "valse").mkdir()
    assert root_for(tmp_path, "valse") == tmp_path / "valse"
    assert root_for(tmp_path, "sugarcrepe") == tmp_path
    assert root_for({"aro": "x"}, "aro_relation").name == "x"
    assert expand_names("sugarcrepe, aro") == ["sugarcrepe", "aro_relation", "aro_attribution"]
    with pytest.raises(ValueError, match="unknown benchmark 'sugar'"):
        expand_names("sugar")


def test_cli_writes_json_markdown_and_plot(tiny, coco_images, tmp_path, capsys):
    model, processor = tiny
    model.save_pretrained(tmp_path / "model")
    processor.save_pretrained(tmp_path / "model")
    output = tmp_path / "out" / "results.json"
    code = main(
        ["eval", "--model", str(tmp_path / "model"), "--benchmarks", "sugarcrepe", "--data-root", str(SUGARCREPE),
         "--image-root", f"sugarcrepe={coco_images}", "--output", str(output), "--no-progress"]
    )  # fmt: skip
    assert code == 0
    saved = json.loads(output.read_text())
    assert saved["metadata"]["benchmarks"] == ["sugarcrepe"]
    scores = saved["results"]["sugarcrepe"]["scores"]
    expected = evaluate(model, processor, "sugarcrepe", SUGARCREPE, coco_images, show_progress=False)
    assert scores == pytest.approx(expected["sugarcrepe"].scores)
    assert "| sugarcrepe | avg **(primary)** |" in output.with_suffix(".md").read_text()
    assert output.with_suffix(".png").stat().st_size > 0
    assert "sugarcrepe" in capsys.readouterr().out


def test_evaluate_module_loads_offline_by_path(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_EVALUATE_OFFLINE", "1")
    metric = hf_evaluate.load(COMPOSITIONAL_ACCURACY_METRIC)
    result = metric.compute(
        positive_scores=[[0.9], [0.5], [0.7, 0.6], [0.2]],
        negative_scores=[[0.1], [0.5], [0.65], [0.1, 0.3]],
        categories=["a", "a", "b", "b"],
    )
    # item 2 ties (wrong); item 3 has a positive below the negative (wrong); item 4 loses to one negative
    assert result == pytest.approx({"accuracy": 0.25, "macro_accuracy": 0.25, "accuracy/a": 0.5, "accuracy/b": 0.0})
    assert metric.compute(positive_scores=[[1.0]], negative_scores=[[0.0]]) == {"accuracy": 1.0}


def test_hub_rows_feed_the_same_benchmarks(tiny):
    from PIL import Image

    model, processor = tiny
    picture = Image.new("RGB", (8, 8), (9, 9, 9))
    features = Features({"image": ImageFeature(), "caption": Value("string"), "negative_caption": Value("string")})
    rows = {"image": [picture, picture], "caption": ["a dog on a sofa", "a dog"], "negative_caption": ["a cat", "x"]}
    benchmark = sugarcrepe_from_datasets({"swap_obj": Dataset.from_dict(rows, features=features)})
    evaluator = CompositionalEvaluator(loaded=[benchmark], show_progress=False)
    assert set(evaluator(model, processor)) == {"sugarcrepe/swap_obj", "sugarcrepe/swap", "sugarcrepe/avg",
                                                "sugarcrepe/micro"}  # fmt: skip
    with pytest.raises(ValueError, match=r"no column\(s\) \['negative_caption'\]"):
        sugarcrepe_from_datasets({"add_obj": Dataset.from_dict({"image": [picture], "caption": ["c"]})})
    winoground = winoground_from_rows(
        [{"id": 0, "image_0": picture, "image_1": picture, "caption_0": "a dog", "caption_1": "a sofa"}]
    )
    assert len(winoground.items) == 1


def test_evaluation_never_imports_training_code():
    from pathlib import Path

    import hf_compclip.evaluation as package

    sources = Path(package.__file__).parent.rglob("*.py")
    imports = ("from hf_compclip.training", "import hf_compclip.training")
    offending = [
        path.name for path in sources for line in path.read_text().splitlines() if line.strip().startswith(imports)
    ]
    assert offending == []
