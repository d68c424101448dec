from __future__ import annotations

import pytest
from datasets import Dataset, load_from_disk

from hf_compclip.negatives import RulesGenerator, add_hard_negatives


class CountingRules(RulesGenerator):
    """Counts its calls: a cached ``.map`` never calls the generator."""

    calls = 0

    def generate(self, captions):
        CountingRules.calls += 1
        return super().generate(captions)


@pytest.fixture
def file_backed(tmp_path, coco_records):
    Dataset.from_list(coco_records).save_to_disk(str(tmp_path / "captions"))
    return load_from_disk(str(tmp_path / "captions"))


def test_second_run_loads_from_cache_and_a_new_config_recomputes(file_backed):
    CountingRules.calls = 0
    first = add_hard_negatives(file_backed, CountingRules(seed=0), batch_size=100)
    calls_after_first = CountingRules.calls
    assert calls_after_first == 3  # 300 captions in batches of 100
    [cache] = first.cache_files
    second = add_hard_negatives(file_backed, CountingRules(seed=0), batch_size=100)
    assert CountingRules.calls == calls_after_first
    assert second.cache_files == [cache]
    assert second["negatives"] == first["negatives"]
    changed = add_hard_negatives(file_backed, CountingRules(seed=1), batch_size=100)
    assert CountingRules.calls == calls_after_first + 3
    assert changed.cache_files[0]["filename"] != cache["filename"]
    assert changed["negatives"] != first["negatives"]


def test_columns_and_two_processes(file_backed):
    generator = RulesGenerator(slots=["swap_object", "replace_number", "replace_relation"])
    single = add_hard_negatives(file_backed, generator, batch_size=64)
    double = add_hard_negatives(file_backed, generator, batch_size=64, num_proc=2, load_from_cache_file=False)
    assert single.column_names == ["caption", "image", "negatives", "negative_types", "negative_mask"]
    assert single.features["negative_mask"].feature.dtype == "bool"
    assert double["negatives"] == single["negatives"]
    assert all(types == ["swap_object", "replace_number", "replace_relation"] for types in single["negative_types"])
    assert single["negatives"] == [row["negatives"] for row in generator(file_backed["caption"])]


def test_bad_columns_are_named(coco_records):
    dataset = Dataset.from_list(coco_records)
    with pytest.raises(KeyError, match="no column 'text'"):
        add_hard_negatives(dataset, RulesGenerator(), caption_column="text")
    with pytest.raises(ValueError, match="already has columns \\['negatives'\\]"):
        add_hard_negatives(dataset.add_column("negatives", [[]] * len(dataset)), RulesGenerator())
    with pytest.raises(TypeError, match="column 'image'"):
        add_hard_negatives(Dataset.from_dict({"image": [1, 2]}), RulesGenerator(), caption_column="image")


@pytest.mark.parametrize("num_proc", [None, 2])
def test_a_bad_caption_is_named_by_its_dataset_row(num_proc):
    captions = [f"a dog number {number} on a bed" for number in range(150)]
    captions[130] = None  # row 30 of the third batch of 50
    with pytest.raises(TypeError, match=r"column 'caption': row 130 is NoneType \(None\), expected a string"):
        add_hard_negatives(
            Dataset.from_dict({"caption": captions}), RulesGenerator(), batch_size=50, num_proc=num_proc
        )
