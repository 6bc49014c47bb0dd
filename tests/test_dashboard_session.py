"""The dashboard's session model, without a browser: loading, editing, running, training, isolation."""
import copy
import threading
from pathlib import Path

import numpy as np
import pytest

from driftlab.library import SCENARIOS
from driftlab.scenario import load_scenario
from driftlab.training import EWC
from driftlab.dashboard import Session
from driftlab.dashboard.session import MAX_UPLOAD_BYTES

SCENARIO_FILES = Path(__file__).parent / "scenarios"

# An abrupt covariate shift at step 3 under a quickly pretrained MLP: small enough to run in a second.
ABRUPT = (SCENARIO_FILES / "abrupt.yaml").read_text()


def run_to_step(session, k):
    """Monitor batches until the stream reaches step ``k``."""
    while session.tree.update_step < k:
        session.step_once()
        session.join()
        assert not session.error


def draws(tree, steps, n=16):
    """The first draw of ``n`` samples at each of ``steps``, from a copy of ``tree``."""
    twin = copy.deepcopy(tree)
    out = []
    for k in steps:
        twin.set_update_step(k)
        out.append(twin.batch(n))
    return out


# -- loading ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(SCENARIOS))
def test_loads_every_builtin_scenario(name):
    session = Session("time_series_drift")
    revision = session.revision
    assert session.load(name)
    assert session.scenario.spec["name"] == name
    assert (session.state, session.step, session.error) == ("idle", 0, "")
    assert session.revision > revision
    assert session.tree.classes == SCENARIOS[name]().build_tree().classes


def test_upload_of_a_good_file_replaces_the_scenario(session):
    assert session.upload((SCENARIO_FILES / "small.yaml").read_bytes(), "small.yaml")
    assert session.scenario.spec["name"] == "small"
    assert session.error == ""


@pytest.mark.parametrize("data", [
    (SCENARIO_FILES / "malformed" / "04_unclosed_bracket.yaml").read_bytes(),
    (SCENARIO_FILES / "malformed" / "09_unknown_section.yaml").read_bytes(),
    b"",
    b"\xff\xfe not utf-8",
    b"tests/scenarios/small.yaml",  # content that names a file on the server is not a path to read
    b"{[1, 2]: 3}\n",  # a key YAML reads as a list (unhashable)
    b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n",  # nesting past Python's recursion limit
    b"name: big\n# " + b"x" * MAX_UPLOAD_BYTES + b"\n",  # over the upload limit
])
def test_upload_of_a_bad_file_keeps_the_scenario_and_says_why(session, data):
    before, experiment = session.scenario, session.experiment
    assert not session.upload(data, "broken.yaml")
    assert session.scenario is before and session.experiment is experiment
    assert session.error.startswith("Could not load broken.yaml: ")


def test_an_upload_over_the_limit_is_refused_unread_and_the_error_names_the_limit(session, monkeypatch):
    monkeypatch.setattr("driftlab.dashboard.session.load_scenario", lambda *a, **k: pytest.fail("read"))
    assert not session.upload(b"#" * (MAX_UPLOAD_BYTES + 1), "big.yaml")
    assert f"the upload limit is {MAX_UPLOAD_BYTES:,} bytes" in session.error


def test_loading_a_misspelled_built_in_suggests_the_name(session):
    before = session.scenario
    assert not session.load("time_series_drfit")
    assert session.scenario is before
    assert "neither a scenario file nor a built-in scenario" in session.error
    assert "did you mean 'time_series_drift'" in session.error


def test_the_download_loads_back_to_the_same_stream_with_its_live_edits(session):
    run_to_step(session, 2)
    assert session.edit_parameter("background.offset", {"schedule": [1.0, 0.5], "strategy": "cycle"})
    assert session.edit_parameter("classes.probs", [0.9, 0.1])
    loaded = load_scenario(session.to_yaml())
    steps = range(session.horizon + 1)
    for (X, y), (X2, y2) in zip(draws(session.tree, steps), draws(loaded.build().tree, steps), strict=False):
        np.testing.assert_array_equal(X, X2)
        np.testing.assert_array_equal(y, y2)


# -- editing ---------------------------------------------------------------------------------------

def test_an_edit_applies_from_the_current_step_and_keeps_the_history_before_it(session):
    run_to_step(session, 2)
    k = session.tree.update_step
    before = session.tree.params["background.offset"].timeline(session.horizon)
    history = draws(session.tree, range(k))
    assert session.edit_parameter("background.offset", 5.0)
    after = session.tree.params["background.offset"].timeline(session.horizon)
    assert after[:k] == before[:k]
    assert after[k:] == [5.0] * (len(after) - k)
    assert session.tree.params["background.offset"].value == 5.0
    for (X, _), (X2, _) in zip(history, draws(session.tree, range(k)), strict=True):
        np.testing.assert_array_equal(X, X2)
    assert "edits" in session.scenario.spec["parameters"]["background"]["offset"]


@pytest.mark.parametrize("name, definition, problem", [
    ("ramp.height", {"value": 1.0, "update": {"type": "IncrementUpdate", "k": "two"}}, "update.k"),
    ("classes.probs", [0.2, 0.3, 0.5], "expected 2 probabilities"),
    ("classes.probs", {"schedule": [[0.5, 0.5], [0.7, 0.7]]}, "classes.probs at step 1"),
    ("background.offset", {"schedule": [1.0], "strategy": "raise"}, "past the end of its schedule"),
])
def test_a_bad_edit_changes_nothing_and_says_why(session, name, definition, problem):
    scenario, timeline = session.scenario, session.tree.params[name].timeline(session.max_steps)
    assert not session.edit_parameter(name, definition)
    assert problem in session.error and session.error.startswith(f"Edit of {name} not applied")
    assert session.scenario is scenario
    assert session.tree.params[name].timeline(session.max_steps) == timeline


def test_an_edit_grows_the_revision_and_reset_starts_over_with_the_edit(session):
    run_to_step(session, 1)
    revision = session.revision
    assert session.edit_parameter("background.strength", 0.2)
    assert session.revision == revision + 1
    session.reset()
    assert (session.step, session.batch, session.rows) == (0, 0, [])
    assert session.tree.params["background.strength"].timeline(3) == [0.1, 0.2, 0.2, 0.2]


# -- the run ---------------------------------------------------------------------------------------

def test_a_run_on_a_drifting_stream_fills_the_history_and_raises_an_alarm_at_the_change(session):
    session.start()
    assert session.state == "pretraining"
    session.join()
    history = session.experiment.monitor.history
    assert (session.state, session.step, session.batch) == ("finished", session.max_steps, len(history))
    assert len(session.rows) == len(history) == session.max_steps * 2
    alarms = history.loc[history["ph.alarm"].fillna(False).astype(bool), "step"]
    assert alarms.min() == 3  # the first alarm comes with the shift, none before
    session.start()
    assert "reached its last step" in session.error


def test_pause_stops_the_stream_and_start_resumes_it(session):
    session.speed = 2
    session.start()
    run = threading.Event()
    session.experiment.monitor.on("batch", lambda row: run.set())
    assert run.wait(30)
    session.pause()
    session.join()
    assert session.state == "paused" and 0 < session.batch < session.max_steps * 2
    session.speed = 50
    session.start()
    session.join()
    assert session.state == "finished"


def test_an_exception_in_the_stream_is_shown(session, monkeypatch):
    def broken():
        raise RuntimeError("the model is on fire")

    monkeypatch.setattr(session.experiment.monitor, "step", broken)
    session.step_once()
    session.join()
    assert session.error == "RuntimeError: the model is on fire"


def test_a_scenario_without_a_model_cannot_run_and_says_so():
    text = "seed: 0\ntree:\n- {transform: background}\n- label\nparameters:\n  signal_length: 8\n" \
           "  background: {offset: 0.0, strength: 0.1}\n"
    session = Session(load_scenario(text))
    session.start()
    assert "no model" in session.error and session.state == "idle"


# -- training --------------------------------------------------------------------------------------

def test_a_manual_episode_runs_in_the_stream_worker_with_progress(session):
    session.step_once()
    session.join()
    trainer = session.experiment.trainer
    episodes, seen = len(trainer.episodes), len(session.losses)
    threads = set()
    progress = trainer.on_progress
    trainer.on_progress = lambda p: (threads.add(threading.current_thread().name), progress(p))
    session.start_training()
    assert session.training  # returned at once: the episode is queued to the stream's worker thread
    session.join()
    assert not session.training and session.episodes == episodes + 1
    assert threads == {"driftlab-stream"}
    reports = session.losses[seen:]  # every log_every steps, each with the losses of the steps since the last
    steps = [p.step - len(p.losses) + 1 + i for p in reports for i in range(len(p.losses))]
    assert steps == list(range(1, trainer.config.max_iter + 1)) and len(reports) < len(steps)
    assert session.progress.step == session.progress.max_iter == trainer.config.max_iter
    assert trainer.experiences.matrix.shape == (2, 2)


def test_train_now_before_the_run_is_the_runs_pretraining(session):
    session.start_training()
    session.join()
    trainer = session.experiment.trainer
    assert not session.error
    assert len(trainer.episodes) == 1 and session.step == 0 and session.batch == 0
    session.step_once()  # monitoring starts on the pretrained model: no second pretraining
    session.join()
    assert len(trainer.episodes) == 1 and session.batch == 1


def test_train_now_with_nothing_collected_says_so():
    scenario = load_scenario(ABRUPT.replace("pretrain_samples: 256", "pretrain_samples: 0"))
    session = Session(scenario)
    try:
        session.start_training()  # the run's pretraining: nothing to train on
        session.join()
        session.start_training()
        assert "Nothing to train on yet" in session.error and not session.training
    finally:
        session.close()


def start_a_long_episode(session):
    """One batch, then a manual episode of a million training steps; returns the trainer and an
    event set at the episode's first step."""
    session.step_once()
    session.join()
    assert session.configure_training({"type": "naive"}, {"max_iter": 1_000_000})
    trainer, started = session.experiment.trainer, threading.Event()
    progress = trainer.on_progress
    trainer.on_progress = lambda p: (started.set(), progress(p))
    session.start_training()
    return trainer, started


def test_a_training_episode_can_be_stopped(session):
    _, started = start_a_long_episode(session)
    assert started.wait(30)
    session.stop_training()
    session.join()
    record = session.experiment.trainer.episodes[-1]
    assert record["stopped"] and record["train_steps"] < 1_000_000


def test_edits_and_draws_go_on_while_the_stream_waits_for_a_model(session):
    """The worker runs the episode (the stream waits for the model), but releases the engine lock
    meanwhile: an edit, a copy of the stream and the change points do not wait for the episode."""
    trainer, started = start_a_long_episode(session)
    try:
        assert started.wait(30)
        done = []
        page = threading.Thread(target=lambda: done.append((session.edit_parameter("background.strength", 0.2),
                                                            session.tree_copy(), session.change_points())))
        page.start()
        page.join(30)
        assert done and done[0][0] and trainer.running  # answered while the episode still trains
    finally:
        session.stop_training()
        session.join()
    assert trainer.episodes[-1]["stopped"] and session.batch == 1


def test_training_settings_apply_to_the_trainer_and_the_scenario(session):
    assert session.configure_training({"type": "ewc", "ewc_lambda": 5.0}, {"max_iter": 7, "lr": 0.02})
    trainer = session.experiment.trainer
    assert isinstance(trainer.strategy, EWC) and trainer.strategy.ewc_lambda == 5.0
    assert (trainer.config.max_iter, trainer.config.lr) == (7, 0.02)
    assert load_scenario(session.to_yaml()).spec["trainer"]["strategy"] == {"type": "ewc", "ewc_lambda": 5.0}
    scenario = session.scenario
    assert not session.configure_training({"type": "ewc"}, {"lr": -1.0})
    assert "trainer.lr" in session.error and session.scenario is scenario and trainer.config.lr == 0.02


# -- isolation -------------------------------------------------------------------------------------

def test_two_sessions_are_independent():
    first, second = Session("time_series_drift"), Session("time_series_drift")
    assert first.experiment.tree is not second.experiment.tree
    assert first.edit_parameter("ramp.height", 3.0)
    assert second.tree.params["ramp.height"].value == 1.0
    assert "edits" not in second.scenario.spec["parameters"]["ramp"]["height"]
    first.load("detector_comparison")
    assert second.scenario.spec["name"] == "time_series_drift"
