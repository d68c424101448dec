"""The ablation rows and their summary over seeds."""

import math

import pytest

from hf_compclip.training import ABLATION, CompositionalCLIPConfig, ablation_overrides, summarise, summary_markdown


def test_rows_are_valid_configurations_with_the_paper_weights():
    assert list(ABLATION) == ["clip", "itc_hn", "itc_hn_imc", "itc_hn_cmr", "ce_clip"]
    for name in ABLATION:
        args = CompositionalCLIPConfig(output_dir="unused", report_to="none", **ablation_overrides(name))
        assert args.uses_negatives == (name != "clip")
    assert ablation_overrides("ce_clip") == {"itc_negatives": "batch", "imc_weight": 0.3, "cmr_weight": 0.2}
    with pytest.raises(ValueError, match="unknown configuration 'all'"):
        ablation_overrides("all")


def test_summary_mean_and_sample_std():
    summary = summarise({"a": [{"avg": 0.5}, {"avg": 0.7}, {"avg": 0.9}], "b": [{"avg": 0.4}]})
    mean, spread, count = summary["a"]["avg"]
    assert (mean, count) == (pytest.approx(0.7), 3)
    assert spread == pytest.approx(0.2)  # sample standard deviation of 0.5, 0.7, 0.9
    assert summary["b"]["avg"] == (0.4, 0.0, 1)
    table = summary_markdown(summary, ["avg", "swap_att"])
    assert "| avg | 70.0 ± 20.0 | 40.0 ± 0.0 |" in table
    assert "| swap_att |  |  |" in table
    assert math.isclose(summary["a"]["avg"][0] * 100, 70.0)
