"""driftlab's dashboard: Panel views over one :class:`Session` per browser session.

Serve it with ``panel serve dashboard/app.py [--args SCENARIO]`` (or ``driftlab serve SCENARIO``).
In a notebook, show any view alone::

    import panel as pn
    from driftlab.dashboard import ScheduleEditor, Session
    pn.extension(inline=True)
    session = Session("rotated_digits_replay")
    ScheduleEditor(session)

Views: :class:`ScenarioView` (built-ins, YAML upload and download, reset), :class:`RunControls`,
:class:`ScheduleEditor`, :class:`TreeView`, :class:`SampleAnimator`, :class:`DriftPlots`,
:class:`TrainingPanel`, :class:`Downloads`, :class:`ErrorAlert`, :class:`StepScrubber` (look back at
any step of the run), :class:`RunComparison` (save runs, overlay one, open a sweep's results).

The served page (``app.py``) shows the run on one screen at the top (drift plots, detection report,
retraining results) under the step scrubber, with the run controls, scenario, downloads and run
comparison in the sidebar; the editing views follow below it, each in a pane: schedule editor, tree,
samples, retraining settings.

Hooks for browser tests. Every element below carries the CSS class named (Playwright:
``page.locator(".dl-run-start")``; Panel renders into shadow DOM, which locators pierce); widgets
also carry the visible label in quotes.

====================  ===============================================================
class                 element
====================  ===============================================================
dl-error              the error alert (shown only while there is an error)
dl-error-dismiss      its "Dismiss" button
dl-builtin-select     "Built-in scenario" select; dl-builtin-load its "Load" button
dl-upload             the YAML file input (``set_input_files``)
dl-load-error         why the last upload or load failed, under the upload (shown only then)
dl-download           "Download YAML" (a file named after the scenario)
dl-reset              "Reset run"
dl-scenario-about     the scenario's name and description
dl-run-start          "Start"; dl-run-pause "Pause"; dl-run-step "Step"
dl-speed              "Speed (batches per second)" slider
dl-onboarding         how to begin, shown until the run's first batch
dl-run-status         "<state> · step k of N · B batches" (state: idle, pretraining,
                      running, paused, finished), then " · retraining" while an episode runs
dl-parameter-select   "Parameter" select, grouped by scope
dl-form               "Form": constant | schedule | update function
dl-value              "Value" text (YAML; "Value at the current step" for an update function)
dl-schedule           "Schedule ..." text area (a YAML list); dl-strategy "After the schedule"
dl-update-function    "Update function" select; dl-scheduler "Scheduler" select
dl-apply-edit         "Apply from step k" (disabled until the form differs from what is in force)
dl-edit-status        "Preview: not applied yet." or the problem with the form
dl-preview            the timeline preview plot
dl-tree               the tree plot; dl-tree-caption "Step k · seed s · classes [...]"
dl-player             the samples' Player ("Update step")
dl-samples-title      "Step k (the stream is at step j) ..."
dl-samples            the grid of samples; dl-label-distribution the bar chart
dl-drift-metric       metric plot (its column ``skipped``: the alarms that started no episode);
                      dl-drift-statistic detector statistics plot
dl-detection-report   the detection report table
dl-device             "Device cpu — no GPU in use" (or the GPU's name)
dl-strategy-select    "Strategy" select
dl-setting-max_iter   "Max iter" of the episode settings: every widget generated for a
                      setting (of an update function, scheduler, strategy, episode)
                      carries dl-setting- and the setting's name
dl-train-start        "Train now"; dl-train-stop "Stop training"
dl-train-progress     the progress bar; dl-train-status "Episode i running: step s of n ..."
dl-loss               loss curve; dl-accuracy-matrix accuracy matrix heatmap
dl-download-format    "File format": csv | parquet, for the downloads below
dl-download-history   "History" (the monitor's history); dl-download-detection_report
                      "Detection report"; dl-download-accuracy_matrix "Accuracy matrix"
dl-scrub              "Show step" slider (the steps seen so far); dl-live "Live" toggle
dl-scrub-status       "Live: following the run (step j)" or "Showing step k (the run is at
                      step j) ..."
dl-run-name           "Run name" text; dl-save-run "Save run"
dl-compare-select     "Compare with" select: "(none)" or a saved run's name
dl-sweep-folder       "Sweep results folder" text; dl-open-sweep "Open sweep"
dl-comparison         the table of figures: the current run, the compared run, each sweep point
dl-train-metrics      average accuracy, forgetting (Avalanche's and Chaudhry's), backward and forward transfer
====================  ===============================================================
"""
from driftlab.extras import require

for _module in ("panel", "panel_material_ui", "bokeh", "torch"):
    require(_module, "driftlab.dashboard")

from .downloads import Downloads
from .drift_plots import DriftPlots
from .error_alert import ErrorAlert
from .notebook import keep_stylesheets_inline
from .run_comparison import RunComparison
from .run_controls import RunControls
from .sample_animator import SampleAnimator
from .scenario_view import ScenarioView
from .schedule_editor import ScheduleEditor
from .session import Session
from .step_scrubber import StepScrubber
from .training_panel import TrainingPanel
from .tree_view import TreeView

keep_stylesheets_inline()  # views shown in a notebook with pn.extension(inline=True) stay offline

__all__ = ["Downloads", "DriftPlots", "ErrorAlert", "RunComparison", "RunControls", "SampleAnimator", "ScenarioView",
           "ScheduleEditor", "Session", "StepScrubber", "TrainingPanel", "TreeView"]
