"""The speed benchmarks still run (tiny sizes; figures are never asserted here). benchmarks/continual.py
is left out: even tiny, it trains five strategies, which the training tests already cover."""
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).parent.parent / "benchmarks"


@pytest.mark.parametrize("script, args, expect", [
    ("parameters.py", ["--k-max", "2000", "--queries", "50", "--replays", "3"], "replay k updates"),
    ("sampling.py", ["--n", "2000", "--streamgen-n", "200"], "ratio vs hand-vectorised"),
    ("detectors.py", ["--n", "20000", "--kswin-n", "2000", "--seeds", "2", "--quality-n", "4000"], "same alarms"),
    ("sweep.py", ["--strategies", "naive,replay", "--seeds", "0-1", "--max-steps", "2", "--max-iter", "2",
                  "--repeats", "1"],
     "results identical to the serial run: True"),
])
def test_benchmark_runs(script, args, expect):
    result = subprocess.run([sys.executable, str(BENCHMARKS / script), *args], capture_output=True, text=True,
                            timeout=600, cwd=BENCHMARKS.parent)
    assert result.returncode == 0, result.stderr[-2000:]
    assert expect in result.stdout
