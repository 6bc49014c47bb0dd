"""The dashboard's run of a scenario equals ``driftlab run`` of its exported YAML, at any speed.

A Session is driven as a served page drives it (start, then ``sync`` ten times a second) to the
end of the run; the CLI runs ``session.to_yaml()`` in its own process. Both must give the same
history (every metric, check, alarm, adapted and skipped row), the same episodes and the same
accuracy matrix, with episodes in the foreground or in the background.
"""
import io
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from driftlab.dashboard import DriftPlots, Session
from driftlab.dashboard.session import SYNC_PERIOD_MS
from driftlab.scenario import load_scenario

# Two abrupt changes, each answered by a retraining episode (adapt_delay: 2), and skipped alarms.
PARITY = (Path(__file__).parent / "scenarios" / "parity.yaml").read_text()


def drive(session: Session, speed: int, timeout: float = 120.0) -> None:
    """Run ``session`` to the end of its run as the served page does: Start, then sync every period."""
    session.speed = speed
    session.start()
    deadline = time.monotonic() + timeout
    while session.state != "finished" or session.training:
        assert time.monotonic() < deadline, f"the run did not finish in {timeout} s (state {session.state})"
        time.sleep(SYNC_PERIOD_MS / 1000)
        session.sync()
        assert not session.error, session.error


def cli_run(yaml_text: str, out: Path) -> Path:
    """``driftlab run`` of ``yaml_text`` in a process of its own; its output folder."""
    scenario = out.parent / f"{out.name}.yaml"
    scenario.write_text(yaml_text)
    done = subprocess.run([sys.executable, "-m", "driftlab.cli", "run", str(scenario), "--out", str(out), "--quiet"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return out


def csv_round_trip(frame: pd.DataFrame, **read) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(frame.to_csv(index=False)), **read)


def assert_same_run(session: Session, out: Path) -> None:
    """The session's history, episodes and accuracy matrix are the CLI's files."""
    monitor, trainer = session.experiment.monitor, session.experiment.trainer
    history = csv_round_trip(monitor.history)
    cli_history = pd.read_csv(out / "history.csv")
    pd.testing.assert_frame_equal(history, cli_history)
    matrix = csv_round_trip(pd.DataFrame(trainer.experiences.matrix)).to_numpy()
    np.testing.assert_array_equal(matrix, pd.read_csv(out / "accuracy_matrix.csv", index_col=0).to_numpy())
    summary = json.loads((out / "summary.json").read_text())
    assert summary["episodes"] == len(monitor.episodes)
    assert summary["alarms"] == {"ph": int(history["ph.alarm"].fillna(False).astype(bool).sum())}


def episodes_of(session: Session) -> list[dict]:
    """The episode records without their wall-clock times."""
    return [{k: v for k, v in episode.items() if "seconds" not in k} for episode in session.experiment.monitor.episodes]


@pytest.fixture(params=[False, True], ids=["foreground", "background"])
def background(request):
    return request.param


def test_the_dashboard_run_at_any_speed_is_the_cli_run(background, tmp_path):
    scenario = load_scenario(PARITY, overrides=[f"trainer.background={str(background).lower()}"])
    runs = []
    for speed in (50, 4):
        session = Session(scenario)
        try:
            drive(session, speed)
            runs.append(session)
        finally:
            session.close()
    out = cli_run(runs[0].to_yaml(), tmp_path / "cli")
    history = runs[0].experiment.monitor.history
    # not vacuous: two episodes that changed the model, and alarms that started none, marked
    assert history["adapted"].sum() == 2 and history["skipped"].sum() == (2 if background else 1)
    assert history["alarm"].sum() == history["adapted"].sum() + history["skipped"].sum()
    assert runs[0].experiment.trainer.experiences.matrix.shape == (3, 3)  # pretraining and two episodes
    for session in runs:
        assert_same_run(session, out)
    assert episodes_of(runs[0]) == episodes_of(runs[1])
    if background:  # the new model swaps in a fixed number of batches after the episode starts
        bps = scenario.monitor_settings.batches_per_step
        assert [(e["batch"], e["swap_batch"]) for e in episodes_of(runs[0])] == \
            [(e["batch"], e["batch"] + bps) for e in episodes_of(runs[0])]
        adapted = history.loc[history["adapted"], "batch"].tolist()
        assert adapted == [e["swap_batch"] - 1 for e in episodes_of(runs[0])]


def test_background_episodes_swap_in_at_a_fixed_batch_however_long_they_train():
    """``trainer.background: true`` in the CLI's run: the same history and episodes whether the
    episodes train fast or slowly (the stream waits at the swap batch), with alarms in between."""
    scenario = load_scenario(PARITY, overrides=["trainer.background=true"])
    runs = []
    for pause in (0.0, 0.05):
        experiment = scenario.build()
        experiment.pretrain()  # pretraining swaps in before the run: slow only the drift episodes
        experiment.trainer.on_progress = lambda progress, pause=pause: time.sleep(pause)
        experiment.run()
        runs.append(experiment)
    fast, slow = (experiment.monitor for experiment in runs)
    pd.testing.assert_frame_equal(fast.history, slow.history)
    assert sum(episode["train_seconds"] for episode in slow.episodes) > 0.5  # the stream did wait for them
    strip = [[{k: v for k, v in e.items() if "seconds" not in k} for e in m.episodes] for m in (fast, slow)]
    assert strip[0] == strip[1] and len(strip[0]) == 2
    np.testing.assert_array_equal(*(experiment.trainer.experiences.matrix for experiment in runs))


def test_alarms_that_start_no_episode_are_crossed_on_the_drift_plot():
    session = Session(load_scenario(PARITY, overrides=["trainer.background=true"]))
    try:
        drift = DriftPlots(session)
        drive(session, 50)
        history = session.experiment.monitor.history
        skipped = history.loc[history["skipped"], "batch"].tolist()
        last = int(history["batch"].iloc[-1])
        # one while an episode trained, one whose episode was due after the run (marked at its end)
        assert len(skipped) == 2 and skipped[-1] + session.scenario.monitor_settings.adapt_delay > last
        assert list(drift._skipped.data["batch"]) == skipped
        assert list(drift._skipped.data["skipped"]) == history.loc[history["skipped"], "accuracy"].tolist()
    finally:
        session.close()
