"""The speed benchmarks still run (tiny sizes; figures are never asserted here; benchmarks/gpu.py runs
on the CPU, where its agreement and resume checks must be exact). benchmarks/continual.py runs tiny, two
strategies, in one process: its protocol (the same regimes for every cell) is what is checked."""
import subprocess
import sys
from pathlib import Path

import pytest
import torch

BENCHMARKS = Path(__file__).parent.parent / "benchmarks"


@pytest.mark.parametrize("script, args, expect", [
    ("parameters.py", ["--k-max", "2000", "--queries", "50", "--replays", "3", "--memory-steps", "3000"],
     "ratio random/sequential"),
    ("sampling.py", ["--n", "2000", "--streamgen-n", "200", "--levels", "3", "--width", "3", "--deep-n", "200"],
     "ratio deep-tree build time vs the same nodes nested into 7 paths"),
    ("digits.py", ["--n", "300", "--runs", "3"], "ratio rotate vs the batched-matmul limit"),
    ("monitor.py", ["--batches", "8", "--batch-size", "16", "--runs", "3", "--history-batches", "500",
                    "--report-batches", "200,400", "--report-steps", "2"],
     "ratio from scratch / kept"),
    ("detectors.py", ["--n", "20000", "--loop-n", "5000", "--kswin-n", "2000", "--seeds", "2", "--quality-n", "4000"],
     "same alarms"),
    # the GPU measurement's logic on the CPU, tiny: agreement and resume must be exact there
    ("gpu.py", ["--device", "cpu", "--runs", "2", "--threads", "1"], "all checks ok"),
    ("validation.py", ["--runs", "3"], "edit validation before -> after"),
    ("sweep.py", ["--strategies", "naive,replay", "--seeds", "0-1", "--max-steps", "2", "--max-iter", "2",
                  "--repeats", "1"],
     "results identical to the serial run: True"),
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


def load_benchmark(name: str):
    """benchmarks/<name>.py as a module, so that tests can check the very functions it measures with."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"{name}_benchmark", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_detector_quality_scores_follow_their_stated_definitions():
    import numpy as np

    bench = load_benchmark("detectors")
    # change at 500, window 200: 520 is the detection (delay 20); 530 is inside the window (neither);
    # 10 (before) and 700, 900 (from start + window on) are false: 3 per 800 stationary values.
    delay, false_rate = bench.score_run(np.array([10, 520, 530, 700, 900]), start=500, window=200, n=1000)
    assert delay == 20.0 and false_rate == pytest.approx(1e4 * 3 / 800)
    delay, false_rate = bench.score_run(np.array([499, 700]), start=500, window=200, n=1000)
    assert np.isnan(delay) and false_rate == pytest.approx(1e4 * 2 / 800)  # an alarm just after the window misses
    delay, false_rate = bench.score_run(np.array([], dtype=int), start=500, window=200, n=1000)
    assert np.isnan(delay) and false_rate == 0.0
    # Wilson score interval: for k = 0 the upper end is z²/(n + z²); for k = n/2 it is symmetric about 1/2
    low, high = bench.wilson(0, 20)
    assert low == 0.0 and high == pytest.approx(1.96**2 / (20 + 1.96**2))
    low, high = bench.wilson(10, 20)
    assert low + high == pytest.approx(1.0) and high - 0.5 == pytest.approx(
        1.96 * np.sqrt(0.25 / 20 + 1.96**2 / 1600) / (1 + 1.96**2 / 20))


def test_the_sampling_benchmarks_trees_have_the_paths_and_nodes_it_says():
    from driftlab.nodes import parse, walk
    from driftlab.tree import SamplingTree

    bench = load_benchmark("sampling")
    deep, nested = bench.deep_nodes(4, 3), bench.nested_nodes(4, 3)
    count = len(list(walk(parse(deep))))
    assert count == 1 + 4 + 4 * 3 + 1 == len(list(walk(parse(nested)))) == len(bench.chain_nodes(count))
    assert repr(SamplingTree(deep, rng=0)).startswith(f"SamplingTree({3**4} paths")
    assert repr(SamplingTree(nested, rng=0)).startswith(f"SamplingTree({4 * 2 + 1} paths")
    X, _ = SamplingTree(deep, rng=0).batch(50)  # each sample's value spells its branches in base 3
    assert X.min() >= 0 and X.max() < 3**4 and len(set(X.tolist())) > 20


def test_the_digits_benchmarks_limit_matrix_is_scipys_rotation():
    import numpy as np
    from scipy import ndimage

    bench = load_benchmark("digits")
    groups = bench.digit_groups(100)
    images = np.concatenate(groups)
    assert len(groups) == 10 and len(images) == 100
    for angle in (30.0, -75.0):
        expected = ndimage.rotate(images, angle, axes=(2, 1), reshape=False, order=1)
        limit = (images.reshape(100, 64) @ bench.dense_rotation(angle, 8, 8)).reshape(images.shape)
        np.testing.assert_allclose(limit, expected, atol=1e-12)
        np.testing.assert_array_equal(np.concatenate([bench.scipy_rotate(g, angle) for g in groups]), expected)


def test_the_continual_benchmark_scores_every_cell_on_the_same_true_regimes(tmp_path, capsys):
    import json

    import pandas as pd

    bench = load_benchmark("continual")
    bench.main(["--seeds", "2", "--strategies", "naive,replay", "--angles", "0,90,180", "--regime-length", "1",
                "--batches", "2", "--max-iter", "3", "--current", "128", "--memory", "100", "--eval-samples", "30",
                "--workers", "0", "--out", str(tmp_path)])
    printed = capsys.readouterr().out
    assert "percentile-bootstrap CI" in printed and "forgetting (Chaudhry)" in printed
    regimes = {"rotated": [0, 1, 2], "class_incremental": [0, 1, 2, 3, 4]}
    for stream, starts in regimes.items():
        for trigger, strategies in (("alarms", 2), ("oracle", 2), ("never", 1)):
            rows = pd.read_csv(tmp_path / f"{stream}_{trigger}" / "results.csv")
            assert (rows["status"] == "ok").all() and rows["cell"].nunique() == 2 * strategies
            for _, cell in rows.groupby("cell"):  # one row per true regime, T x T with no gap, whatever the alarms
                assert cell["experience_step"].tolist() == starts
                matrix = [json.loads(row) for row in cell["accuracy_row"]]
                assert all(len(row) == len(starts) and None not in row for row in matrix)
            assert {"alarms": "drift", "oracle": "periodic", "never": "never"}[trigger] in \
                (tmp_path / f"{stream}_{trigger}" / "sweep.json").read_text()
    table = {tuple(line.split()[:4]) for line in printed.splitlines() if line.split()[:1] in (["rotated"],
                                                                                           ["class_incremental"])}
    assert table == {(stream, trigger, strategy, "2") for stream in regimes for trigger in ("alarms", "oracle")
                     for strategy in ("naive", "replay")} | {(stream, "never", "naive", "2") for stream in regimes}
