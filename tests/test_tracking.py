"""Tracking: runs logged to a real local MLflow store and read back with mlflow.search_runs."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

mlflow = pytest.importorskip("mlflow")

from driftlab.cli import main  # noqa: E402
from driftlab.errors import ConfigError  # noqa: E402
from driftlab.scenario import load_scenario  # noqa: E402
from driftlab.tracking import client_for, log_experiment, tracking_settings  # noqa: E402

TINY = Path(__file__).parent / "scenarios" / "sweep_tiny.yaml"


def runs(uri: str, experiment: str) -> pd.DataFrame:
    client_for(uri)  # allows the file store
    mlflow.set_tracking_uri(uri)
    return mlflow.search_runs(experiment_names=[experiment])


def history_of(uri: str, run_id: str, key: str) -> list[tuple[int, float]]:
    return sorted((m.step, m.value) for m in client_for(uri).get_metric_history(run_id, key))


def test_a_logged_run_holds_the_history_episodes_matrix_and_files(tmp_path):
    scenario = load_scenario(TINY)
    experiment = scenario.build()
    history = experiment.run()
    settings = tracking_settings(scenario, "mlflow", out=tmp_path, experiment="tiny")
    assert settings["uri"] == (tmp_path / "mlruns").resolve().as_uri()
    run_id = log_experiment(experiment, history, settings, run_name="one")
    found = runs(settings["uri"], "tiny")
    assert found["run_id"].tolist() == [run_id]
    run = found.iloc[0]
    assert run["status"] == "FINISHED" and run["tags.mlflow.runName"] == "one"
    assert run["params.trainer.strategy"] == "replay" and run["params.monitor.batch_size"] == "16"
    assert run["params.parameters.ramp.height.update.k"] == "0.5" and run["params.seed"] == "5"
    uri = settings["uri"]
    assert history_of(uri, run_id, "accuracy") == pytest.approx(list(enumerate(history["accuracy"])))
    checks = history[history["check"] >= 0]
    assert history_of(uri, run_id, "check.value") == pytest.approx(list(zip(checks["check"], checks["value"],
                                                                            strict=True)))
    assert [v for _, v in history_of(uri, run_id, "ph.alarm")] == checks["ph.alarm"].astype(float).tolist()
    assert run["metrics.alarms"] == history["alarm"].sum()
    episodes = experiment.monitor.episodes
    assert len(episodes) == 2
    assert history_of(uri, run_id, "episode.loss") == pytest.approx([(e["episode"], e["loss"]) for e in episodes])
    R = experiment.trainer.experiences.matrix
    for j in range(len(R)):
        expected = [(i, R[i, j]) for i in range(len(R)) if not np.isnan(R[i, j])]
        assert history_of(uri, run_id, f"accuracy_matrix.{j}") == pytest.approx(expected)
    for key, value in experiment.trainer.experiences.metrics().items():
        assert run[f"metrics.{key}"] == pytest.approx(value)
    files = {f.path for f in client_for(uri).list_artifacts(run_id)}
    assert files == {"scenario.yaml", "history.parquet", "detection_report.csv", "accuracy_matrix.csv"}
    local = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="history.parquet",
                                                dst_path=str(tmp_path / "back"), tracking_uri=uri)
    pd.testing.assert_frame_equal(pd.read_parquet(local), history)


def test_run_tracks_when_the_scenario_section_or_the_flag_asks(tmp_path):
    text = TINY.read_text() + "tracking: {backend: mlflow, experiment: from the file}\n"
    (tmp_path / "s.yaml").write_text(text)
    assert main(["run", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "a"), "--quiet"]) == 0
    uri = (tmp_path / "a" / "mlruns").resolve().as_uri()
    found = runs(uri, "from the file")
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert len(found) == 1
    assert found.iloc[0]["metrics.average_accuracy"] == pytest.approx(summary["average_accuracy"])
    assert found.iloc[0]["metrics.batches"] == summary["batches"]
    assert main(["run", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "b"), "--quiet", "--track", "none"]) == 0
    assert not (tmp_path / "b" / "mlruns").exists()
    assert main(["run", str(TINY), "--out", str(tmp_path / "c"), "--quiet"]) == 0
    assert not (tmp_path / "c" / "mlruns").exists()


def test_each_sweep_cell_is_one_run_of_the_sweeps_experiment(tmp_path):
    out = tmp_path / "sw"
    assert main(["sweep", str(TINY), "--grid", "trainer.strategy=naive,ewc", "--seeds", "0-1", "--out", str(out),
                 "--scheduler", "serial", "--track", "mlflow", "--quiet"]) == 0
    found = runs((out / "mlruns").resolve().as_uri(), "sweep_tiny sweep sw")
    table = pd.read_parquet(out / "results.parquet").drop_duplicates("cell")
    assert len(found) == len(table) == 4
    logged = found.set_index("tags.driftlab.cell")
    for _, cell in table.iterrows():
        run = logged.loc[cell["cell"]]
        assert run["params.trainer.strategy"] == cell["trainer.strategy"]
        assert run["params.seed"] == str(cell["scenario_seed"])
        assert run["metrics.average_accuracy"] == pytest.approx(cell["average_accuracy"])
        assert run["tags.mlflow.runName"] == f"trainer.strategy={cell['trainer.strategy']} seed={cell['seed']}"


def test_a_bad_tracking_section_names_the_field():
    with pytest.raises(ConfigError, match=r"^tracking\.backend: "):
        load_scenario(TINY.read_text() + "tracking: {backend: wandb}\n")
    with pytest.raises(ConfigError, match=r"^tracking\.experimnt: unknown setting"):
        load_scenario(TINY.read_text() + "tracking: {experimnt: x}\n")
