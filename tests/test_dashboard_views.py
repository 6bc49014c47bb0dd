"""The dashboard's views without a server: each renders alone, and follows the session it shows."""
import re
from base64 import b64encode
from pathlib import Path

import numpy as np
import panel as pn
import pytest
from bokeh.models import Plot

from driftlab import dashboard
from driftlab.scenario import load_scenario
from driftlab.dashboard import (Downloads, DriftPlots, ErrorAlert, RunComparison, RunControls, SampleAnimator,
                                ScenarioView, ScheduleEditor, Session, StepScrubber, TrainingPanel, TreeView)

PLOTTING = [ScheduleEditor, TreeView, SampleAnimator, DriftPlots, TrainingPanel]
VIEWS = [ScenarioView, RunControls, ErrorAlert, Downloads, StepScrubber, RunComparison, *PLOTTING]


@pytest.mark.parametrize("name", ["time_series_drift", "rotated_digits_replay"])
@pytest.mark.parametrize("view", VIEWS, ids=lambda cls: cls.__name__)
def test_each_view_renders_alone(view, name):
    root = pn.panel(view(Session(name))).get_root()
    assert bool(list(root.select({"type": Plot}))) == (view in PLOTTING)


def test_every_hook_documented_for_browser_tests_is_on_a_rendered_model(session):
    documented = set(re.findall(r"\bdl-[a-z_-]*[a-z]\b(?!-)", dashboard.__doc__))
    rendered = set()
    for view in VIEWS:
        root = pn.panel(view(session)).get_root()
        rendered |= {cls for model in root.references() for cls in getattr(model, "css_classes", None) or []}
    assert documented - rendered == set()


def test_the_error_alert_shows_the_session_error_until_dismissed(session):
    alert = ErrorAlert(session)
    assert not alert.__panel__().visible
    session.upload(b"tree: [", "bad.yaml")
    assert alert.__panel__().visible and "bad\\.yaml" in alert._alert.object
    session.error = ""
    assert not alert.__panel__().visible


def test_the_schedule_editor_previews_as_you_type_and_applies_on_apply(session):
    editor = ScheduleEditor(session)
    pn.panel(editor).get_root()
    editor._parameter.value = "background.offset"
    assert editor._form.value == "schedule" and editor._apply.disabled
    editor._schedule.value_input = "[0.0, 7.0]"
    preview = editor._source.data["value"]
    assert list(preview[:3]) == [0.0, 7.0, 7.0]
    assert session.tree.params["background.offset"].timeline(2) == [0.0, 0.0, 0.0]  # not applied yet
    editor._apply.clicks += 1
    assert session.tree.params["background.offset"].timeline(2) == [0.0, 7.0, 7.0]
    assert editor._apply.disabled


def test_the_schedule_editor_generates_widgets_for_an_update_function(session):
    editor = ScheduleEditor(session)
    editor._parameter.value = "ramp.height"
    editor._form.value = "update function"
    editor._function.value = "IncrementUpdate"
    editor._scheduler.value = "PeriodicScheduler"
    function_widgets = editor._function_settings.objects[0]._widgets
    scheduler_widgets = editor._scheduler_settings.objects[0]._widgets
    function_widgets["k"].value = 0.5
    scheduler_widgets["period"].value = 2
    assert list(editor._source.data["value"][:5]) == [1.0, 1.5, 1.5, 2.0, 2.0]
    editor._apply.clicks += 1
    assert session.scenario.spec["parameters"]["ramp"]["height"]["edits"][-1]["update"] == {
        "type": "IncrementUpdate", "scheduler": {"type": "PeriodicScheduler", "period": 2}, "k": 0.5}


def test_the_schedule_editor_draws_probability_vectors_as_stacked_areas(session):
    editor = ScheduleEditor(session)
    editor._parameter.value = "classes.probs"
    assert editor._shape == ("probabilities", 2)
    assert set(editor._source.data) == {"step", "c0", "c1"}
    editor._value.value_input = "[0.2, 0.3, 0.5]"
    editor._form.value = "constant"
    assert "expected 2 probabilities" in editor._status.object and editor._apply.disabled


def test_the_tree_view_follows_the_stream(session):
    tree = TreeView(session)
    edge_texts = lambda: [text for text in tree._edges.data["text"] if text]  # noqa: E731
    assert edge_texts() == ["p=0.50", "p=0.50"]
    session.edit_parameter("classes.probs", [0.9, 0.1])
    assert edge_texts() == ["p=0.90", "p=0.10"]
    assert "ramp\nheight=1\nlength=8" in tree._nodes.data["text"]


def test_the_sample_animator_draws_the_player_step_from_a_copy_of_the_stream(session):
    animator = SampleAnimator(session)
    live_draws = session.tree._draws
    animator._player.value = 4
    assert session.tree._draws == live_draws and session.step == 0  # the live stream is untouched
    twin = session.tree_copy()
    twin.set_update_step(4)
    X, y = twin.batch(256)
    np.testing.assert_array_equal(animator._sources[0].data["value"], X[0])
    assert animator._figures[0].title.text == str(y[0])
    assert sum(animator._counts.data["count"]) == 256


def test_the_drift_and_training_views_fill_in_as_the_run_goes(session):
    drift, training = DriftPlots(session), TrainingPanel(session)
    session.start()
    session.join()
    assert list(drift._batches.data["batch"]) == list(range(len(session.rows)))
    assert list(drift._changes.data["batch"]) == [6]  # the first batch of step 3
    assert 6 in list(drift._alarms.data["batch"])
    assert len(drift._report.object) == 2
    assert len(training._losses.data["loss"]) == session.experiment.trainer.config.max_iter
    assert training._progress.value == 100
    assert "forgetting (Avalanche" in training._metrics.object and "forgetting (Chaudhry" in training._metrics.object
    assert "Device **cpu**" in training._device.object or "GPU in use" in training._device.object


def test_loading_another_scenario_rebuilds_what_depends_on_it(session):
    views = [view(session) for view in VIEWS]
    session.load("rotated_digits_replay")
    editor, tree, animator = (next(v for v in views if isinstance(v, cls))
                              for cls in (ScheduleEditor, TreeView, SampleAnimator))
    assert "rotate.angle" in editor._parameter.groups["rotate"]
    assert len(tree._nodes.data["x"]) == len(session.tree.to_graph()["nodes"])
    assert animator._kind == "image" and animator._sources[0].data["image"][0].shape == (8, 8)


def test_the_scenario_view_uploads_and_downloads(session):
    view = ScenarioView(session)
    view._upload.filename = "small.yaml"
    view._upload.value = (Path(__file__).parent / "scenarios" / "small.yaml").read_bytes()
    assert session.scenario.spec["name"] == "small" and view._download.filename == "small.yaml"
    assert load_scenario(view._yaml().read()).spec == session.scenario.spec
    view._builtin.value = "detector_comparison"
    assert session.scenario.spec["name"] == "small"  # picking is not loading
    view._load.clicks += 1
    assert session.scenario.spec["name"] == "detector_comparison"
    session.load("rotated_digits_replay")  # loaded another way: the select follows
    assert view._builtin.value == "rotated_digits_replay"


# -- hostile strings ---------------------------------------------------------------------------------

HOSTILE = '<img src=x onerror="document.title=\'pwned\'">'


def hostile_scenario():
    """tests/scenarios/small.yaml with HTML in every string a view shows: name, description, metric,
    detector name, class label."""
    import yaml

    spec = yaml.safe_load((Path(__file__).parent / "scenarios" / "small.yaml").read_text())
    spec.update(name=HOSTILE, description=f"<script>document.title='pwned'</script> {HOSTILE}")
    spec["detectors"] = {HOSTILE: spec["detectors"]["ph"]}
    spec["monitor"]["metric"] = HOSTILE
    spec["tree"][1]["branches"]["ramp"][1] = HOSTILE  # a class label
    return load_scenario(yaml.safe_dump(spec))


def rendered_html(markdown: pn.pane.Markdown) -> str:
    """The HTML a Markdown pane sends to the browser (Panel sends it HTML-escaped; the page unescapes it)."""
    import html

    return html.unescape(markdown.get_root().text)


def test_no_string_from_a_scenario_becomes_markup_in_the_page():
    session = Session(hostile_scenario())
    panes = [pane for view in VIEWS for pane in pn.panel(view(session)).select(pn.pane.Markdown)]
    shown = [html for html in map(rendered_html, panes) if "img src" in html]
    assert len(shown) >= 3  # the scenario's name and description, the metric and detector, the classes
    for html in shown:
        assert "<img" not in html and "<script" not in html, html
        assert "&lt;img src=x onerror=" in html


@pytest.mark.parametrize("data", [b"", b"{[1, 2]: 3}\n", b"\xff\xfe"], ids=["empty", "unhashable-key", "not-utf-8"])
def test_a_failed_upload_is_shown_under_the_upload_until_dismissed(session, data):
    view = ScenarioView(session)
    problem = [p for p in view.__panel__().select(pn.pane.Alert) if "dl-load-error" in p.css_classes]
    upload = view._upload
    # what the browser sends, as Panel reads it (an empty file: value None, only the filename changes)
    sent = upload._process_property_change({"value": b64encode(data).decode()})
    upload.param.update(value=sent["value"], filename="broken.yaml")
    assert session.error.startswith("Could not load broken.yaml: ")
    assert problem and problem[0].visible and "broken\\.yaml" in problem[0].object
    session.error = ""  # Dismiss
    assert not problem[0].visible


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_the_downloads_are_the_run_s_tables(session, fmt):
    import pandas as pd

    downloads = Downloads(session)
    downloads._format.value = fmt
    session.start()
    session.join()
    read = pd.read_csv if fmt == "csv" else pd.read_parquet
    monitor, trainer = session.experiment.monitor, session.experiment.trainer
    history = read(downloads._file("history"))
    assert downloads._buttons["history"].filename.endswith(f"_history.{fmt}")
    assert history["batch"].tolist() == monitor.history["batch"].tolist()
    np.testing.assert_allclose(history["accuracy"], monitor.history["accuracy"])
    report = read(downloads._file("detection_report"))
    assert report["detector"].tolist() == monitor.detection_report()["detector"].tolist()
    matrix = read(downloads._file("accuracy_matrix"))
    assert len(trainer.experiences.matrix) >= 1
    np.testing.assert_allclose(matrix.drop(columns="trained").to_numpy(), trainer.experiences.matrix)


def test_a_stopped_episode_is_labelled_stopped(session):
    import time

    training = TrainingPanel(session)
    session.step_once()
    session.join()
    training._settings.max_iter = 100_000  # far longer than the test waits
    session.start_training()
    deadline = time.monotonic() + 60
    while not session.experiment.trainer.running and time.monotonic() < deadline:
        time.sleep(0.05)
    session.stop_training()
    session.join()
    assert session.experiment.trainer.status == "stopped"
    assert re.match(r"Episode \d+ stopped: step \d+ of 100000", training._status.object), training._status.object


def test_the_detection_report_shows_an_empty_cell_as_a_dash_saying_why(session):
    drift = DriftPlots(session)
    session.start()
    session.join()
    report = session.experiment.monitor.detection_report()
    shown = drift._report.object
    assert report.isna().any().any()
    for (i, column), missing in report.isna().stack().items():
        cell = str(shown.at[i, column])
        assert (cell.startswith('<span title="') and cell.endswith('">—</span>')) == missing, (i, column, cell)
    assert "nan" not in shown.to_string().lower()


def test_switching_a_parameter_s_form_shows_no_error_before_typing():
    editor = ScheduleEditor(Session("time_series_drift"))
    editor._parameter.value = "classes.probs"  # a vector: an update function's value must be a number
    editor._form.value = "update function"
    assert "⚠" not in editor._status.object and "Fill in the update function" in editor._status.object
    assert editor._apply.disabled
    editor._value.value_input = "[0.5, 0.5]"  # typed: now the problem is shown
    assert "⚠" in editor._status.object and "needs a number" in editor._status.object


@pytest.mark.parametrize("view", PLOTTING, ids=lambda cls: cls.__name__)
def test_every_plot_shows_values_on_hover(view):
    from bokeh.models import HoverTool, Toolbar

    session = Session("time_series_drift")
    root = pn.panel(view(session)).get_root()
    plots = [plot for plot in root.select({"type": Plot}) if plot.tools]  # the samples' cells are thumbnails
    assert plots
    for plot in plots:
        hovers = [tool for tool in plot.tools if isinstance(tool, HoverTool)]
        assert hovers and all(tool.tooltips for tool in hovers), plot.title.text
        assert plot.toolbar_location is None and isinstance(plot.toolbar, Toolbar)  # no toolbar: no tab stops
