from __future__ import annotations

import pytest

from hf_compclip.negatives import NegClipGenerator, load_generator, negclip_dataset, read_negclip_tsv

from .conftest import NEGCLIP_SLICE


def test_reader_parses_the_released_format():
    records = read_negclip_tsv(NEGCLIP_SLICE)
    assert len(records) == 62
    first = records[0]
    assert first["caption"] == "A child holding a flowered umbrella and petting a yak."
    assert first["filepath"] == "coco/val2014/COCO_val2014_000000184613.jpg"
    assert first["negatives"] == [
        "A umbrella holding a flowered child and petting a yak .",
        "A child petting a flowered umbrella and holding a yak .",
    ]
    assert first["neg_image"] == [2973, 1515, 2235]
    quoted = records[48]  # CSV-quoted: the caption holds an apostrophe inside a quoted list
    assert quoted["negatives"] == ["A white motorcycle filled with truck on it 's flatbed ."]
    assert 'from "Thomas the Train" books' in records[60]["caption"]
    assert records[61]["caption"].endswith("plays a video game\n")  # a line break inside a quoted field
    assert max(len(record["negatives"]) for record in records) >= 3


def test_generator_fills_k_slots_and_masks_unknown_captions():
    generator = load_generator("negclip", path=str(NEGCLIP_SLICE), num_slots=2)
    assert isinstance(generator, NegClipGenerator)
    assert generator.negative_types == ("negclip_1", "negclip_2")
    rows = generator(["A toilet sitting in a bathroom next to a sink.", "A caption NegCLIP never saw."])
    assert rows[0] == {
        "negatives": ["A bathroom sitting in a toilet next to a sink .", ""],
        "negative_types": ["negclip_1", "negclip_2"],
        "negative_mask": [True, False],
    }
    assert rows[1]["negative_mask"] == [False, False]
    assert generator.fingerprint != NegClipGenerator(NEGCLIP_SLICE, num_slots=3).fingerprint


def test_dataset_keeps_paths_and_schema():
    dataset = negclip_dataset(NEGCLIP_SLICE, num_slots=5)
    assert len(dataset) == 62
    assert dataset.column_names == ["caption", "filepath", "neg_image", "negatives", "negative_types", "negative_mask"]
    assert all(len(row) == 5 for row in dataset["negatives"])
    assert sum(sum(mask) for mask in dataset["negative_mask"]) == sum(
        min(len(record["negatives"]), 5) for record in read_negclip_tsv(NEGCLIP_SLICE)
    )


def test_malformed_files_are_named(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("\ttitle\tfilepath\tneg_caption\tneg_image\n0\tA dog.\td.jpg\t['A dog .'\t[1]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.tsv, line 2, column neg_caption"):
        read_negclip_tsv(bad)
    bad.write_text("\ttitle\tfilepath\n", encoding="utf-8")
    with pytest.raises(ValueError, match="missing columns \\['neg_caption', 'neg_image'\\]"):
        read_negclip_tsv(bad)
    with pytest.raises(ValueError, match="needs path="):
        load_generator("negclip")
