import argparse
import json

from hf_compclip.data import commands
from hf_compclip.data.shapes_benchmark import CATEGORIES
from hf_compclip.data.shapes_dataset import load_shapes_dataset


def test_shapes_world_command_writes_dataset_and_benchmark(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    commands.register(parser.add_subparsers())
    sizes = ["--train-size", "12", "--validation-size", "3", "--test-size", "4", "--benchmark-size", "5"]
    args = parser.parse_args(["shapes-world", str(tmp_path), "--image-size", "32", "--grid", "0", *sizes])
    assert args.func(args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["dataset"] == {"train": 12, "validation": 3, "test": 4}
    assert summary["benchmark"] == dict.fromkeys(CATEGORIES, 5)
    assert len(load_shapes_dataset(tmp_path / "dataset")["train"]) == 12
    assert len(json.loads((tmp_path / "benchmark" / "swap_att.json").read_text())) == 5
    assert json.loads((tmp_path / "benchmark" / "world.json").read_text())["grid"] is None
