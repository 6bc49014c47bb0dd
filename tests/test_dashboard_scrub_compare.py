"""Looking back through the run (the step scrubber) and comparing runs, without a server."""
import json

import numpy as np
import pandas as pd
import pytest

from driftlab.dashboard import DriftPlots, RunComparison, SampleAnimator, Session, StepScrubber, TreeView
from driftlab.dashboard.runs import read_sweep
from driftlab.dashboard.sample_animator import DRAW
from driftlab.errors import ConfigError
from driftlab.sweep import result_rows


def run_steps(session, batches):
    for _ in range(batches):
        session.step_once()
        session.join()


def test_scrubbing_shows_a_past_step_everywhere_and_live_returns():
    session = Session("time_series_drift")
    tree, samples, plots, scrubber = TreeView(session), SampleAnimator(session), DriftPlots(session), \
        StepScrubber(session)
    run_steps(session, 30)  # 5 batches a step: the stream is at step 6, past the change at step 4
    assert session.step == 6
    live_texts = list(tree._nodes.data["text"])
    scrubber._slider.value = 2  # the user moves the slider to step 2
    assert session.scrub == 2 and not scrubber._live.value
    assert plots._shown.data == {"x0": [9.5], "x1": [14.5], "label": ["step 2"]}  # batches 10..14 are step 2
    assert samples._player.value == 2 and samples._title.object.startswith("**Step 2**")
    assert tree._caption.object.startswith("Step 2 ") and "offset=0\n" in tree._nodes.data["text"][0]
    assert "offset=0.5" in live_texts[0]  # the change at step 4 moved the background's offset
    expected = session.tree_copy()
    expected.set_update_step(2)
    assert samples._sources[0].data["value"].tolist() == pytest.approx(  # the stream as it was at step 2
        np.asarray(expected.batch(DRAW)[0][0], dtype=float).tolist())
    scrubber._live.value = True
    assert session.scrub is None and plots._shown.data["x0"] == []
    assert samples._player.value == 6 and tree._nodes.data["text"] == live_texts


def test_scrubbing_during_a_run_leaves_the_stream_and_its_results_unchanged():
    def history(scrub):
        session = Session("time_series_drift")
        views = [TreeView(session), SampleAnimator(session), DriftPlots(session), StepScrubber(session)]
        for k in range(40):
            session.step_once()
            session.join()
            if scrub and k % 3 == 0:
                session.scrub = session.step // 2
        assert views
        return session.experiment.monitor.history

    pd.testing.assert_frame_equal(history(scrub=True), history(scrub=False))


def test_a_saved_run_is_overlaid_on_the_drift_plots_and_compared():
    session = Session("time_series_drift")
    plots, comparison = DriftPlots(session), RunComparison(session)
    run_steps(session, 12)
    assert not session.save_run("  ") and "name" in session.error
    comparison._name.value = "first"
    comparison._save_run()
    saved = session.saved_runs["first"]
    assert len(saved.history) == 12 and saved.summary["batches"] == 12
    session.reset()  # a saved run outlives the run it was saved from
    assert plots._compared.data["batch"] == []
    comparison._compare.value = "first"
    assert session.compared == "first"
    assert plots._compared.data["batch"] == list(range(12))
    assert plots._compared.data["metric"] == saved.history["accuracy"].tolist()
    assert set(plots._compared.data["run"]) == {"first"}
    table = comparison._table.object
    assert list(table.columns) == ["figure", "current run", "first"]
    batches = table.set_index("figure").loc["batches"]
    assert (batches["current run"], batches["first"]) == ("0", "12")
    comparison._compare.value = "(none)"
    assert plots._compared.data["batch"] == []


def sweep_folder(tmp_path, fmt):
    """A sweep's results folder as driftlab sweep writes it: rows from two real runs (two seeds) of one point."""
    rows = []
    for seed in (0, 1):
        session = Session("time_series_drift")
        run_steps(session, 10)
        for row in result_rows(session.experiment, session.experiment.monitor.history):
            rows.append({"cell": f"p0-s{seed}", "trainer.strategy": "naive", "seed": seed, **row})
    frame = pd.DataFrame(rows)
    if fmt == "csv":
        frame.to_csv(tmp_path / "results.csv", index=False)
    else:
        frame.to_parquet(tmp_path / "results.parquet", index=False)
    (tmp_path / "sweep.json").write_text(json.dumps({"grid": {"trainer.strategy": ["naive"]}, "seeds": [0, 1]}))
    return tmp_path, frame


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_sweep_folder_is_compared_by_its_grid_points_means(tmp_path, fmt):
    folder, frame = sweep_folder(tmp_path, fmt)
    sweep = read_sweep(str(folder), root=tmp_path)
    relative = read_sweep(folder.name, root=tmp_path.parent)  # a folder relative to the root
    assert pd.DataFrame(relative.means).equals(pd.DataFrame(sweep.means))
    cells = frame.drop_duplicates("cell")
    means = sweep.means["sweep: trainer.strategy=naive"]
    assert means["mean_accuracy"] == pytest.approx(cells["mean_accuracy"].mean())
    assert means["batches"] == 10
    session = Session("time_series_drift", sweeps_root=str(tmp_path))
    comparison = RunComparison(session)
    comparison._folder.value = str(folder)
    assert session.open_sweep(comparison._folder.value)
    assert "sweep: trainer.strategy=naive" in comparison._table.object.columns


def test_a_folder_outside_the_sweeps_root_is_refused_unread(tmp_path):
    (tmp_path / "shared").mkdir()
    for outside in [str(tmp_path), "..", "../shared/..", "/"]:
        with pytest.raises(ConfigError, match=r"sweep folder: expected a folder inside .*shared"):
            read_sweep(outside, root=tmp_path / "shared")
    session = Session("time_series_drift", sweeps_root=str(tmp_path / "shared"))
    assert not session.open_sweep("/etc") and "expected a folder inside" in session.error


def test_opening_a_folder_without_results_says_which_and_what_was_expected(tmp_path):
    with pytest.raises(ConfigError, match=r"sweep folder: expected results\.parquet or results\.csv"):
        read_sweep(str(tmp_path), root=tmp_path)
    with pytest.raises(ConfigError, match="no such folder"):
        read_sweep(str(tmp_path / "missing"), root=tmp_path)
    (tmp_path / "results.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ConfigError, match=r"sweep folder\.results\.csv: .*no column cell, status"):
        read_sweep(str(tmp_path), root=tmp_path)
    session = Session("time_series_drift", sweeps_root=str(tmp_path))
    assert not session.open_sweep(str(tmp_path)) and session.error.startswith("Sweep not opened: sweep folder")


def test_a_run_name_is_shown_as_text_in_the_comparison():
    session = Session("time_series_drift")
    comparison = RunComparison(session)
    run_steps(session, 1)
    name = "<img src=x onerror=alert(1)>"
    comparison._name.value = name
    comparison._save_run()
    comparison._compare.value = name
    html = comparison._table.get_root().text  # the page's HTML, as sent (escaped once more for the model)
    assert "&amp;lt;img src=x onerror=alert(1)&amp;gt;" in html and "&lt;img" not in html
