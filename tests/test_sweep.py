"""Sweeps: grids × seeds on Dask distributed (a real scheduler and worker processes), a tidy
resumable results table, failing cells recorded, and the report's aggregate and page."""
from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from driftlab.cli import main
from driftlab.errors import ConfigError
from driftlab.sweep import Sweep, aggregate, cell_seed, parse_grid, parse_seeds

TINY = Path(__file__).parent / "scenarios" / "sweep_tiny.yaml"
GRID = ["--grid", "trainer.strategy=naive,ewc", "--seeds", "0-1"]


def comparable(table: pd.DataFrame) -> pd.DataFrame:
    """The results without what depends on the machine (wall time)."""
    return table.drop(columns="wall_seconds").reset_index(drop=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def serial(tmp_path_factory) -> Path:
    """The reference: the tiny sweep run serially in this process, through the CLI."""
    out = tmp_path_factory.mktemp("serial")
    assert main(["sweep", str(TINY), *GRID, "--out", str(out), "--scheduler", "serial", "--quiet"]) == 0
    return out


@pytest.fixture
def dask_cluster():
    """A real ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1; always stopped."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    common = ["--no-dashboard"]
    processes = [subprocess.Popen([sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1",
                                   "--port", str(port), *common], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)]
    try:
        for _ in range(2):
            processes.append(subprocess.Popen([sys.executable, "-m", "dask", "worker", address, "--host", "127.0.0.1",
                                               "--nthreads", "1", "--nworkers", "1", *common],
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client

        with Client(address, timeout="120s") as client:
            client.wait_for_workers(2, timeout=300)
            assert len(client.scheduler_info()["workers"]) == 2
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in reversed(processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)


def test_a_sweep_on_a_dask_scheduler_with_two_workers_equals_the_serial_run(serial, dask_cluster, tmp_path):
    out = tmp_path / "dask"
    assert main(["sweep", str(TINY), *GRID, "--out", str(out), "--scheduler", dask_cluster, "--quiet"]) == 0
    distributed = pd.read_parquet(out / "results.parquet")
    reference = pd.read_parquet(serial / "results.parquet")
    pd.testing.assert_frame_equal(comparable(distributed), comparable(reference))
    # a row per cell and per experience: 4 cells, each pretrained then retrained twice -> 3 experiences
    assert distributed["cell"].nunique() == 4 and len(distributed) == 12
    assert (distributed["status"] == "ok").all()
    assert set(distributed["trainer.strategy"]) == {"naive", "ewc"}
    csv = pd.read_csv(out / "results.csv")
    assert list(csv.columns) == list(distributed.columns) and len(csv) == len(distributed)


def test_dask_scheduler_address_sends_the_sweep_to_that_cluster(serial, dask_cluster, tmp_path, monkeypatch):
    from distributed import Client, get_task_stream

    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", dask_cluster)
    sweep = Sweep(TINY, parse_grid(["trainer.strategy=ewc"]), seeds="1")
    with Client(dask_cluster, timeout="120s") as client, get_task_stream(client) as stream:
        table = sweep.run(tmp_path)
    assert [task["key"] for task in stream.data] == [f"driftlab-cell-{sweep.cells[0].key}"]
    reference = pd.read_parquet(serial / "results.parquet")
    pd.testing.assert_frame_equal(comparable(table), comparable(reference[reference["cell"] == sweep.cells[0].key]))


def test_the_table_holds_the_accuracy_matrix_and_its_metrics(serial):
    table = pd.read_parquet(serial / "results.parquet")
    for _, cell in table.groupby("cell"):
        R = np.array([json.loads(row) for row in cell.sort_values("experience")["accuracy_row"]], dtype=float)
        t = len(R) - 1
        assert cell["accuracy"].tolist() == pytest.approx(np.diag(R).tolist())
        assert cell["accuracy_final"].tolist() == pytest.approx(R[t].tolist())
        assert cell["average_accuracy"].iloc[0] == pytest.approx(R[t].mean())
        assert cell["backward_transfer"].iloc[0] == pytest.approx(np.mean(R[t, :t] - np.diag(R)[:t]))
    assert set(table["seed"]) == {0, 1}
    assert set(table["scenario_seed"]) == {cell_seed(5, 0), cell_seed(5, 1)}


def test_seeds_come_from_the_scenario_seed_and_the_seed_index():
    assert cell_seed(5, 0) == cell_seed(5, 0) != cell_seed(5, 1)
    assert cell_seed(5, 0) != cell_seed(6, 0)
    assert 0 <= cell_seed(2**62, 10**6) < 2**63


def test_a_failing_cell_is_recorded_and_a_rerun_skips_finished_cells(tmp_path, caplog):
    # raise: the background offset's schedule has 3 steps and the run needs a 4th
    sweep = Sweep(TINY, parse_grid(["parameters.background.offset.strategy=hold,raise"]), seeds="0")
    table = sweep.run(tmp_path, "serial")
    cells = table.drop_duplicates("cell").set_index("parameters.background.offset.strategy")
    assert cells.loc["hold", "status"] == "ok"
    assert cells.loc["raise", "status"] == "error"
    assert cells.loc["raise", "error"].startswith("ScheduleExhaustedError")
    ok_file = tmp_path / "cells" / f"{sweep.cells[0].key}.json"
    before = ok_file.stat().st_mtime_ns
    caplog.set_level("INFO", logger="driftlab.sweep")
    again = Sweep(TINY, parse_grid(["parameters.background.offset.strategy=hold,raise"]), seeds="0-1")
    table = again.run(tmp_path, "serial")
    assert "4 cells, 1 finished before, 3 to run" in caplog.text  # the failed cell runs again
    assert ok_file.stat().st_mtime_ns == before
    assert table["cell"].nunique() == 4
    assert main(["report", str(tmp_path), "--no-html"]) == 0


def test_a_sweep_folder_refuses_another_scenario(tmp_path):
    Sweep(TINY, {}, seeds=0).run(tmp_path, "serial")
    with pytest.raises(ConfigError, match=r"^--out: .* another scenario"):
        Sweep(TINY.read_text().replace("seed: 5", "seed: 6"), {}, seeds=0).run(tmp_path, "serial")


@pytest.mark.parametrize("argv, path", [
    (["--grid", "trainer.strategy=naive,navie"], "--grid trainer.strategy=navie"),
    (["--grid", "trainer.strategy"], "--grid trainer.strategy"),
    (["--grid", "seed=1,2"], "--grid seed"),
    (["--seeds", "3-1"], "--seeds"),
    (["--grid", "monitor.batch_size=0"], "--grid monitor.batch_size=0"),
])
def test_bad_grids_and_seeds_name_the_field(argv, path, tmp_path, capsys):
    assert main(["sweep", str(TINY), *argv, "--out", str(tmp_path / "x"), "--scheduler", "serial"]) == 2
    assert f"error: {path}" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_grid_and_seed_parsing():
    assert parse_grid(["a.b=1,2.5,x", "c=[1, 2],{k: v}"]) == {"a.b": [1, 2.5, "x"], "c": [[1, 2], {"k": "v"}]}
    assert parse_seeds("0-3,2,9") == [0, 1, 2, 3, 9]
    assert parse_seeds([4, 1]) == [1, 4]


def test_the_bootstrap_ci_follows_its_definition():
    values = np.array([0.1, 0.4, 0.5, 0.9, 0.3])
    results = pd.DataFrame({"cell": list("abcde"), "status": "ok", "k": "x", "average_accuracy": values})
    row = aggregate(results, ["k"], ["average_accuracy"], resamples=4000, seed=3).iloc[0]
    rng = np.random.default_rng(3)
    means = rng.choice(values, size=(4000, 5)).mean(axis=1)
    assert row["mean"] == pytest.approx(values.mean())
    assert row["std"] == pytest.approx(values.std(ddof=1))
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(tuple(np.quantile(means, [0.025, 0.975])))
    assert values.min() < row["ci_low"] < values.mean() < row["ci_high"] < values.max()


def test_the_report_prints_a_table_and_writes_an_offline_page(serial, capsys):
    assert main(["report", str(serial)]) == 0
    printed = capsys.readouterr().out
    table = pd.read_csv(serial / "report.csv")
    assert set(table["trainer.strategy"]) == {"naive", "ewc"}
    assert {"metric", "n", "mean", "std", "ci_low", "ci_high"} <= set(table.columns)
    accuracy = table[table["metric"] == "average_accuracy"].set_index("trainer.strategy")
    results = pd.read_parquet(serial / "results.parquet").drop_duplicates("cell")
    for strategy in ("naive", "ewc"):
        expected = results.loc[results["trainer.strategy"] == strategy, "average_accuracy"]
        assert accuracy.loc[strategy, "mean"] == pytest.approx(expected.mean())
        assert accuracy.loc[strategy, "n"] == 2
    assert "average_accuracy" in printed and "ci_low" in printed
    page = (serial / "report.html").read_text(encoding="utf-8")
    assert "average_accuracy: mean and 95% CI over seeds" in page and "Bokeh" in page
    assert not re.search(r"<script\b[^>]*\bsrc\s*=\s*[\"']?(https?:)?//", page, flags=re.IGNORECASE)
    assert not re.search(r"<link\b[^>]*\bhref\s*=\s*[\"']?(https?:)?//", page, flags=re.IGNORECASE)


def test_the_report_covers_every_cl_metric_and_its_text_sits_in_the_page_body(serial):
    from driftlab.training import Experiences

    assert main(["report", str(serial)]) == 0
    table = pd.read_csv(serial / "report.csv")
    experiences = Experiences()
    experiences.add(0, None, before=0.5, untrained=0.5)
    experiences.record(lambda data: 1.0)
    assert set(experiences.metrics()) <= set(table["metric"])  # the metrics under their current names
    assert {"ph.delay", "ph.false_alarms"} <= set(table["metric"])
    page = (serial / "report.html").read_text(encoding="utf-8")
    body = page[page.index("</head>"):]
    assert body.count("driftlab sweep report</h1>") == 1 and "forgetting_chaudhry" in body
    head = page[:page.index("</head>")]
    assert "driftlab sweep report</h1>" not in head  # never spliced into the inlined BokehJS
    row = re.search(r"<tr><th>average_accuracy</th>(.*?)</tr>", body).group(1)
    assert len(re.findall(r"<td class='value'>[^<]+ ± [^<]+ \[[^<]+\]</td>", row)) == 2  # one per strategy


def test_set_overrides_every_cell_and_a_bad_one_names_its_path(tmp_path, capsys):
    sweep = Sweep(TINY, parse_grid(["trainer.strategy=naive,ewc"]), seeds="0", overrides=["monitor.max_steps=2"])
    assert "max_steps: 2" in sweep.text
    assert all("max_steps: 2" in sweep.task(cell)["text"] for cell in sweep.cells)
    argv = ["sweep", str(TINY), "--set", "monitor.max_stpes=2", "--out", str(tmp_path / "x"), "--scheduler", "serial"]
    assert main(argv) == 2
    assert "monitor.max_stpes" in capsys.readouterr().err
