"""The speed benchmarks still run (tiny sizes; figures are never asserted here; benchmarks/gpu.py runs
on the CPU, where its agreement and resume checks must be exact). benchmarks/continual.py is left out:
even tiny, it trains five strategies, which the training tests already cover."""
import subprocess
import sys
from pathlib import Path

import pytest
import torch

BENCHMARKS = Path(__file__).parent.parent / "benchmarks"


@pytest.mark.parametrize("script, args, expect", [
    ("parameters.py", ["--k-max", "2000", "--queries", "50", "--replays", "3"], "replay k updates"),
    ("sampling.py", ["--n", "2000", "--streamgen-n", "200"], "ratio vs hand-vectorised"),
    ("detectors.py", ["--n", "20000", "--kswin-n", "2000", "--seeds", "2", "--quality-n", "4000"], "same alarms"),
    # the GPU measurement's logic on the CPU, tiny: agreement and resume must be exact there
    ("gpu.py", ["--device", "cpu", "--runs", "2", "--threads", "1"], "all checks ok"),
])
def test_benchmark_runs(script, args, expect):
    result = subprocess.run([sys.executable, str(BENCHMARKS / script), *args], capture_output=True, text=True,
                            timeout=600, cwd=BENCHMARKS.parent)
    assert result.returncode == 0, result.stderr[-2000:]
    assert expect in result.stdout


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks what the script does without CUDA")
def test_the_gpu_benchmark_without_cuda_says_so_and_exits_0():
    result = subprocess.run([sys.executable, str(BENCHMARKS / "gpu.py")], capture_output=True, text=True,
                            timeout=600, cwd=BENCHMARKS.parent)
    assert result.returncode == 0 and "needs CUDA" in result.stdout and "steps/s" not in result.stdout
