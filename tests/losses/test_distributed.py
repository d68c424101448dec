"""Two gloo processes holding halves of a batch give the loss and the gradients of one process on all of it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tests.losses.distributed_worker import CONFIGS, SPLITS, TwoTowers, run
from tests.processes import free_port

pytestmark = pytest.mark.distributed
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def two_process_results(tmp_path_factory):
    output = tmp_path_factory.mktemp("ddp") / "results"
    command = [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
        "--master_addr", "127.0.0.1", "--master_port", str(free_port()),
        "-m", "tests.losses.distributed_worker", str(output),
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-4000:]
    return [torch.load(f"{output}.rank{rank}", weights_only=True) for rank in range(2)]


@pytest.mark.parametrize("split", list(SPLITS))
@pytest.mark.parametrize("name", list(CONFIGS))
def test_two_processes_equal_one(two_process_results, split, name):
    single = run(TwoTowers(), slice(None), CONFIGS[name])
    for rank_results in two_process_results:
        got = rank_results[f"{split}/{name}"]
        torch.testing.assert_close(got["loss"], single["loss"], rtol=1e-5, atol=0)
        torch.testing.assert_close(got["terms"], single["terms"], rtol=1e-5, atol=1e-12)
        torch.testing.assert_close(got["thresholds"], single["thresholds"], rtol=1e-5, atol=1e-12)
        for parameter, gradient in single["grads"].items():
            assert gradient.abs().max() > 0
            torch.testing.assert_close(got["grads"][f"module.{parameter}"], gradient, rtol=1e-5, atol=1e-12)
