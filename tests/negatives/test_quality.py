from __future__ import annotations

import json

import pytest

from hf_compclip.cli import main
from hf_compclip.negatives import (
    RulesGenerator,
    TrigramLanguageModel,
    make_row,
    quality_report,
    read_captions,
    report_markdown,
)

from .conftest import COCO_SLICE, NEGCLIP_SLICE


def test_rates_are_counted_per_type():
    captions = ["A dog on a bed.", "A cat on a mat.", "Two birds."]
    types = ["swap", "replace"]
    rows = [
        make_row(types, ["a dog on a bed", "A cat on a mat."]),  # a no-op, and a real caption of the set
        make_row(types, ["A mat on a cat.", "A mat on a cat."]),  # two slots with the same negative
        make_row(types, [None, None]),
    ]
    report = quality_report(captions, rows, num_folds=2, progress=False)["types"]
    assert report["swap"]["coverage"] == pytest.approx(2 / 3)
    assert report["swap"]["noop_rate"] == pytest.approx(1 / 2)
    assert report["swap"]["duplicate_rate"] == pytest.approx(1 / 2)
    assert report["replace"]["real_caption_rate"] == pytest.approx(1 / 2)
    assert report["all"]["coverage"] == pytest.approx(2 / 3)
    assert report["all"]["num_negatives"] == 4


def test_language_model_prefers_seen_word_order():
    model = TrigramLanguageModel(["a man riding a horse", "a man riding a bike", "a woman riding a horse"] * 5)
    assert model.log_probability("A man riding a horse.") > model.log_probability("A horse riding a man.")
    assert model.log_probability("a man riding a horse") == model.log_probability("A man, riding a horse!")


def test_judges_catch_artifacts_and_implausible_orders(coco_records):
    captions = [record["caption"] for record in coco_records]
    groups = [record["image"] for record in coco_records]
    types = ["spaced", "reversed"]
    # A tokeniser's trace (a word split off, " ." spacing) is an artifact; reversed word order is implausible.
    rows = [
        make_row(
            types, [caption.strip().rstrip(".").replace("ing ", " ing ") + " .", " ".join(reversed(caption.split()))]
        )
        for caption in captions
    ]
    report = quality_report(captions, rows, groups, num_folds=3, progress=False)["types"]
    assert report["spaced"]["artifact_probe"] > 0.95
    assert report["reversed"]["plausibility_judge"] > 0.95
    table = report_markdown({"toy": {"num_captions": len(captions), "types": report}})
    assert "| toy | spaced | 300 |" in table


def test_judges_count_only_the_pairs_they_judged(coco_records):
    captions = [record["caption"] for record in coco_records[:60]]
    groups = [record["image"] for record in coco_records[:60]]
    first_image = groups[0]
    types = ["reversed", "one_image"]
    # every "one_image" negative belongs to one image, hence to one fold: no other fold to train on, none judged
    rows = [
        make_row(types, [" ".join(reversed(caption.split())), "a cat" if group == first_image else None])
        for caption, group in zip(captions, groups, strict=True)
    ]
    report = quality_report(captions, rows, groups, num_folds=3, progress=False)["types"]
    assert report["one_image"]["num_negatives"] == groups.count(first_image) > 0
    assert report["one_image"]["num_judged"] == 0
    assert report["one_image"]["artifact_probe"] is None and report["one_image"]["plausibility_judge"] is None
    assert report["reversed"]["num_judged"] == 60
    # over all types the unjudged negatives neither count as wrong nor dilute the judged ones
    assert report["all"]["num_judged"] == 60
    for judge in ("artifact_probe", "plausibility_judge"):
        assert report["all"][judge] == pytest.approx(report["reversed"][judge])
    assert report["reversed"]["plausibility_judge"] > 0.9
    assert "| toy | one_image | 60 | " in report_markdown({"toy": {"num_captions": 60, "types": report}})


def test_read_captions_formats(tmp_path):
    karpathy = read_captions(COCO_SLICE)
    assert len(karpathy) == 300 and karpathy[0]["image"] == "val2014/COCO_val2014_000000391895.jpg"
    (tmp_path / "a.json").write_text(json.dumps(["A dog.", "A cat."]))
    (tmp_path / "b.json").write_text(json.dumps({"annotations": [{"image_id": 7, "caption": "A dog."}]}))
    (tmp_path / "c.txt").write_text("A dog.\n\nA cat.\n")
    (tmp_path / "d.json").write_text(json.dumps([{"text": "A dog."}, {"text": 3}]))
    assert [r["caption"] for r in read_captions(tmp_path / "a.json")] == ["A dog.", "A cat."]
    assert read_captions(tmp_path / "b.json") == [{"caption": "A dog.", "image": "7"}]
    assert [r["caption"] for r in read_captions(tmp_path / "c.txt")] == ["A dog.", "A cat."]
    with pytest.raises(ValueError, match=r"d\.json, item 1, field 'text'"):
        read_captions(tmp_path / "d.json", caption_field="text")
    assert len(read_captions(NEGCLIP_SLICE)) == 62


def test_cli_writes_dataset_jsonl_and_report(tmp_path):
    from datasets import load_from_disk

    assert (
        main(["negatives", "--input", str(COCO_SLICE), "--output", str(tmp_path / "out"), "--option", "seed=3"]) == 0
    )
    dataset = load_from_disk(str(tmp_path / "out" / "dataset"))
    lines = (tmp_path / "out" / "negatives.jsonl").read_text().splitlines()
    assert len(dataset) == len(lines) == 300
    expected = RulesGenerator(seed=3)(dataset["caption"])
    assert json.loads(lines[0])["negatives"] == expected[0]["negatives"] == dataset[0]["negatives"]
    report_dir = tmp_path / "report"
    args = ["negatives-report", "--input", str(NEGCLIP_SLICE), "--generator", "negclip", "--output", str(report_dir)]
    assert main([*args, "--folds", "2"]) == 0
    report = json.loads((report_dir / "report.json").read_text())
    assert report["num_captions"] == 62 and report["types"]["negclip_1"]["coverage"] == 1.0
    assert (report_dir / "report.png").stat().st_size > 0
    assert "| negclip on valid_neg_clip_slice.tsv | negclip_1 | 62 |" in (report_dir / "report.md").read_text()
