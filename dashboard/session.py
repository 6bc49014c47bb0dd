"""One browser session's state: the scenario, its built experiment, the run, and errors to show.

A :class:`Session` is the only model the views read and steer. Rules:

* **Scenario.** ``scenario`` is the scenario as it stands, live edits included, so that
  :meth:`Session.to_yaml` writes a file that rebuilds the same stream. Loading (a built-in, a file,
  YAML text) validates first; on error the current scenario stays and ``error`` says why.
* **Threads.** Engine work runs off the UI thread, in one daemon *worker* thread: pretraining,
  then one batch per ``1 / speed`` seconds. ``lock`` guards the engine: the worker holds it for one
  batch at a time, edits and snapshots hold it briefly.
* **Episodes.** The run is the CLI's run (``driftlab run`` of :meth:`Session.to_yaml` gives the
  same alarms, episodes and accuracy matrix), whatever the speed or the machine's load: the
  worker runs each batch with :meth:`driftlab.monitor.Monitor.step`, so an episode starts at
  the batch the monitor says and the stream waits for the model exactly as the CLI does. With
  ``trainer.background: true`` the episode trains in the trainer's thread while the stream goes
  on, and swaps in at the fixed batch of the monitor's rule (the worker waits there if it is
  still training). An alarm while an episode is due or training starts none: its history row
  says ``skipped`` and the drift plot marks it. While the worker trains or waits for a model it
  releases ``lock`` (``trainer.unlocked``), so the page stays responsive: edits, sample
  draws and downloads go on. A manual episode (:meth:`Session.start_training`) is queued to the
  worker and runs between two batches. Only what the YAML cannot say makes a run differ from the
  CLI's: a manual episode, and an edit made between two batches of one step (the file applies
  it from the step's first batch).
* **Sync.** Worker threads never touch params or Bokeh models. :meth:`Session.sync` copies the
  engine's state into the params (``step``, ``batch``, ``state``, ``progress``, ``episodes``,
  ``error``); a served or notebook session calls it ten times a second from a periodic callback on
  the event loop, so every view update runs there (served: holding the document lock, from the
  moment the page has loaded).
* **Loading.** :meth:`Session.prepare_upload` / :meth:`Session.prepare_load` read and build a
  scenario without touching the session, so a server runs them off the event loop (a 10 MB upload
  took 8 s to parse); :meth:`Session.install` then swaps it in. An upload over
  ``MAX_UPLOAD_BYTES`` is refused unread, and any failure to read a file (even one the reader
  does not name a field for) becomes ``error``, never only a server-log traceback.
* **Scrubbing.** ``scrub`` is the step the views show while the user looks back through the run
  (None: they follow it). The views draw it from copies of the stream, so scrubbing never changes
  the live stream or its results.
* **Comparison.** :meth:`Session.save_run` keeps the run as it stands (:class:`~driftlab.dashboard.runs.SavedRun`)
  under a name in ``saved_runs``; ``compared`` names the one overlaid on the drift plots;
  :meth:`Session.open_sweep` reads a sweep's results folder into ``sweep`` to compare against.
* **Revisions.** ``revision`` grows whenever what the stream will do changes (a scenario loaded or
  reset, a parameter edited); ``experiment`` is replaced only on load and reset.

>>> session = Session("time_series_drift")
>>> session.step, session.state, session.horizon
(0, 'idle', 20)
"""
from __future__ import annotations

import contextlib
import copy
import threading
import time
from collections.abc import Callable
from typing import Any, TypeAlias

import panel as pn
import param
from param.parameters import NoNone

from driftlab.distributions import as_distribution
from driftlab.errors import ConfigError, DriftlabError
from driftlab.library.scenarios import scenario_source
from driftlab.parameters import Parameter
from driftlab.scenario import Experiment, Scenario, dump_scenario, load_scenario, params_to_spec
from driftlab.tree import SamplingTree
from driftlab.training import TrainerConfig, make_strategy

from .runs import SavedRun, SweepResults, read_sweep

SYNC_PERIOD_MS = 100  # at most ten view updates a second
MAX_UPLOAD_BYTES = 1_000_000  # a scenario file is a few kB; the largest built-in is under 5 kB
EPISODE_SETTINGS = ("max_iter", "batch_size", "lr", "optimizer", "reset_optimizer", "eval_samples")

Prepared: TypeAlias = "tuple[Scenario, Experiment] | str"  # the built parts, or why they could not be built


def read_upload(data: bytes, filename: str) -> Scenario:
    """The scenario in an uploaded file's content (never a path it names), at most ``MAX_UPLOAD_BYTES``."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise DriftlabError(f"the file has {len(data):,} bytes; the upload limit is {MAX_UPLOAD_BYTES:,} bytes "
                            "(MAX_UPLOAD_BYTES)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DriftlabError(f"not UTF-8 text (byte {data[err.start]:#04x} at position {err.start})") from None
    # with a line break, load_scenario never takes the text for a file path
    return load_scenario(text + "\n")


class Session(param.Parameterized):
    """The state of one dashboard session over one scenario (see the module doc)."""

    # allow_None=NoNone changes typing only (set in __init__, never None after; the views' `session` too)
    scenario = param.ClassSelector(class_=Scenario, allow_None=NoNone,
                                   doc="the scenario as it stands, live edits included")
    experiment = param.ClassSelector(class_=Experiment, allow_None=NoNone,
                                     doc="the built parts; replaced on load and reset")
    state: param.Selector[str] = param.Selector(default="idle",
                                                objects=["idle", "pretraining", "running", "paused", "finished"])
    step = param.Integer(0, doc="the stream's current update step")
    batch = param.Integer(0, doc="batches monitored so far")
    speed = param.Integer(5, bounds=(1, 50), doc="batches per second while running")
    training = param.Boolean(False, doc="whether a retraining episode is running")
    progress = param.Parameter(None, doc="the last driftlab.training.Progress of an episode step")
    episodes = param.Integer(0, doc="retraining episodes finished")
    error = param.String("", doc="the last error, for the page to show; cleared by the next action")
    revision = param.Integer(0, doc="grows whenever what the stream will do changes")
    scrub = param.Integer(None, allow_None=True, bounds=(0, None),
                          doc="the step the views show while scrubbing back through the run; None: they follow it")
    saved_runs = param.Dict({}, doc="runs saved to compare against, by name (runs.SavedRun)")
    compared = param.String("", doc="the name of the saved run overlaid on the drift plots ('' for none)")
    sweep = param.ClassSelector(class_=SweepResults, default=None, doc="a sweep's results opened to compare against")
    sweeps_root = param.String(".", doc="the folder sweep folders are opened from (and must lie in); "
                                        "by default the working directory")

    def __init__(self, scenario: Scenario | str = "time_series_drift", *, attach: bool = True, **params: Any):
        super().__init__(**params)
        self.lock = threading.Lock()
        self.rows: list[dict[str, Any]] = []  # the monitor's history rows, appended by the worker
        self.losses: list[Any] = []  # every Progress of every episode, appended by the trainer
        self._worker: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()  # ends the worker's wait between batches (pause, a manual episode)
        self._manual = threading.Event()  # a manual episode asked for, run by the worker
        self._phase = "running"  # what the worker is doing ("": a manual episode only, the run's state stays)
        self._failure: BaseException | None = None  # raised in a worker, shown by sync
        self._pretrained = False
        self._install(self._resolve(scenario))
        if attach:
            self.attach()

    def attach(self) -> None:
        """Start the periodic :meth:`sync`: in a served page from the moment it has loaded until its
        browser session ends (which closes the session), in a notebook at once.

        Call it on the event loop; a session built in another thread is made with ``attach=False``.
        """
        document = pn.state.curdoc
        if document is not None and document.session_context is not None:  # served
            # The document's callbacks reach the session only through `served`, emptied when the
            # session ends: Bokeh keeps a destroyed document's callbacks, and Panel can keep a
            # destroyed document alive (a process-wide periodic callback's context holds it).
            served = [self]

            def sync() -> None:
                if served:
                    served[0].sync()

            def release(context: Any) -> None:
                if served:
                    served.pop().close()

            # once the page is loaded (before, Panel sends every model change as a message of its
            # own); a plain Bokeh callback: a Panel one counts as "busy" work, and ten a second
            # kept the page busy enough to drop clicks
            def start_syncing() -> None:
                document.add_periodic_callback(sync, SYNC_PERIOD_MS)

            pn.state.onload(start_syncing)
            document.on_session_destroyed(release)
        else:  # a notebook (nothing runs without an event loop: scripts and tests call sync)
            pn.state.add_periodic_callback(self.sync, period=SYNC_PERIOD_MS)

    # -- scenario -----------------------------------------------------------------------------

    @property
    def tree(self) -> SamplingTree:
        """The live stream (draw from :meth:`tree_copy`, never from it)."""
        return self.experiment.tree

    @property
    def max_steps(self) -> int:
        """The run ends when the stream reaches this step."""
        return self.scenario.monitor_settings.max_steps

    @property
    def horizon(self) -> int:
        """The last step the views show: the run and a margin after it."""
        return self.max_steps + max(4, self.max_steps // 4)

    def load(self, source: Scenario | str) -> bool:
        """Load a Scenario, a built-in name, a YAML path or YAML text; on error keep the current one."""
        return self.install(self.prepare_load(source))

    def upload(self, data: bytes, filename: str = "the uploaded file") -> bool:
        """Load an uploaded YAML file (its content, never a path it names); on error keep the current one."""
        return self.install(self.prepare_upload(data, filename))

    def prepare_load(self, source: Scenario | str) -> Prepared:
        """:meth:`load`'s reading and building, without touching the session (safe in any thread)."""
        return _prepare(lambda: self._resolve(source), "the scenario")

    @staticmethod
    def prepare_upload(data: bytes, filename: str = "the uploaded file") -> Prepared:
        """:meth:`upload`'s reading and building, without touching the session (safe in any thread)."""
        return _prepare(lambda: read_upload(data, filename), filename)

    def install(self, prepared: Prepared) -> bool:
        """Swap in a prepared scenario and its experiment, or show why it could not be prepared."""
        if isinstance(prepared, str):
            self.error = prepared
            return False
        self.error = ""
        self._install(*prepared)
        return True

    def reset(self) -> None:
        """Start the run over: the current scenario (edits included) rebuilt at step 0."""
        self.error = ""
        self._install(self.scenario)

    def to_yaml(self) -> str:
        """The current scenario, live edits included, as YAML (:func:`driftlab.scenario.dump_scenario`)."""
        return dump_scenario(self.scenario)

    def _resolve(self, source: Scenario | str) -> Scenario:
        return source if isinstance(source, Scenario) else load_scenario(scenario_source(source))

    def _install(self, scenario: Scenario, experiment: Experiment | None = None) -> None:
        self.close()
        if experiment is None:
            experiment = scenario.build()
        self.rows, self.losses = [], []
        if experiment.monitor is not None:
            experiment.monitor.on("batch", self.rows.append)
        if experiment.trainer is not None:
            experiment.trainer.on_progress = self.losses.append
            experiment.trainer.unlocked = self._unlocked
        self._manual.clear()
        self._failure, self._pretrained = None, False
        self.param.update(scenario=scenario, experiment=experiment, state="idle", step=0, batch=0,
                          training=False, progress=None, episodes=0, revision=self.revision + 1, scrub=None)

    # -- parameters ---------------------------------------------------------------------------

    def candidate(self, name: str, definition: Any) -> Parameter:
        """Parameter ``name`` as it would be with ``definition`` from the current step on (nothing changes).

        Raises :class:`~driftlab.errors.DriftlabError` when the definition is bad or some step of the
        run cannot be computed (a schedule exhausted, a branch's probabilities of the wrong size).
        """
        store = self.tree.params
        parameter = store[name].edited(store.update_step, definition)
        values = parameter.timeline(self.max_steps)
        branches = self._branch_sizes().get(name)
        if branches is not None:
            for k, value in enumerate(values):
                if as_distribution(value, f"{name} at step {k}").size != branches:
                    raise ConfigError(f"{name} at step {k}", f"expected {branches} probabilities, one per branch, "
                                      f"got {len(value)}")
        return parameter

    def edit_parameter(self, name: str, definition: Any) -> bool:
        """Redefine parameter ``name`` from the current step on (``ParameterStore.edit``); earlier steps
        keep their values. The scenario follows, so a download holds the edit. On error nothing changes."""
        self.error = ""
        with self.lock:
            store = self.tree.params
            try:
                parameter = self.candidate(name, definition)
                parameter.set_update_step(store.update_step)
                scenario = self.scenario.edited("parameters", params_to_spec(store | parameter))
                store.edit(name, definition)
            except DriftlabError as err:
                self.error = f"Edit of {name} not applied: {err}"
                return False
        self.param.update(scenario=scenario, revision=self.revision + 1)
        return True

    def _branch_sizes(self) -> dict[str, int]:
        """The number of branches of each branching node, by the name of its probabilities."""
        return {node["param"]: len(node["branches"]) for node in self.tree.to_graph()["nodes"]
                if node["kind"] == "branch" and node["param"]}

    def tree_copy(self) -> SamplingTree:
        """A copy of the stream to draw from: drawing from it leaves the live stream untouched."""
        with self.lock:
            return copy.deepcopy(self.tree)

    def change_points(self) -> list[int]:
        """The steps up to the horizon at which some parameter changes."""
        with self.lock:
            return self.tree.change_points(self.horizon)

    # -- the run ------------------------------------------------------------------------------

    def start(self) -> None:
        """Run the stream and the monitor at ``speed`` batches per second until paused or finished."""
        self._launch(None)

    def step_once(self) -> None:
        """Monitor one batch (pretraining first if the run has not started)."""
        self._launch(1)

    def pause(self) -> None:
        """Stop the stream after the batch in progress."""
        self._stop.set()
        self._wake.set()

    def _launch(self, batches: int | None) -> None:
        self.error = ""
        if self.experiment.monitor is None:
            self.error = "This scenario has no model, so there is nothing to monitor: add a model section."
            return
        if self._worker is not None and self._worker.is_alive():
            return
        if batches != 0 and self.tree.update_step >= self.max_steps:
            self.error = f"The run reached its last step ({self.max_steps}): reset to run it again."
            return
        self._stop.clear()
        self._phase = "pretraining" if not self._pretrained else "running" if batches != 0 else ""
        self.state = self._phase or self.state
        self._worker = threading.Thread(target=self._work, args=(self.experiment, batches),
                                        name="driftlab-stream", daemon=True)
        self._worker.start()

    def _work(self, experiment: Experiment, batches: int | None) -> None:
        """The worker thread: pretrain once, then one batch per tick (and any manual episode between
        two) until stopped, done or finished; at the run's end, swap in a background episode."""
        monitor = experiment.monitor
        assert monitor is not None  # _launch checked
        try:
            if not self._pretrained:
                self._pretrain(experiment)
            self._phase = "running" if batches != 0 else ""
            done = 0
            while True:
                self._wake.clear()
                if self._manual.is_set():
                    self._adapt_now(monitor)
                if self._stop.is_set() or (batches is not None and done >= batches) or \
                        experiment.tree.update_step >= self.max_steps:
                    break
                started = time.perf_counter()
                with self.lock:
                    monitor.step()
                done += 1
                self._wake.wait(max(0.0, 1.0 / self.speed - (time.perf_counter() - started)))
            if experiment.tree.update_step >= self.max_steps:
                with self.lock:
                    monitor.settle()  # as the CLI's run ends
        except Exception as exc:  # shown in the page by sync
            self._failure = exc
        finally:
            self._manual.clear()

    def _pretrain(self, experiment: Experiment) -> None:
        """Train on samples of step 0 before monitoring (:meth:`driftlab.scenario.Experiment.pretrain`;
        it waits for a background episode: monitoring starts on the trained model)."""
        with self.lock:
            experiment.pretrain()
        self._pretrained = True

    @contextlib.contextmanager
    def _unlocked(self):
        """The trainer's ``unlocked``: in the worker, which holds ``lock`` whenever it calls the
        engine, release it while a model trains or is waited for (the page goes on meanwhile)."""
        if threading.current_thread() is not self._worker:
            yield
            return
        self.lock.release()
        try:
            yield
        finally:
            self.lock.acquire()

    @property
    def shown_step(self) -> int:
        """The step the views show: ``scrub`` while scrubbing, else the stream's current step."""
        return self.step if self.scrub is None else self.scrub

    # -- comparison ---------------------------------------------------------------------------

    def save_run(self, name: str) -> bool:
        """Keep the run as it stands under ``name`` (replacing a saved run of that name) to compare against."""
        self.error = ""
        name = name.strip()
        if not name:
            self.error = "Run not saved: name: expected a name for the run, got an empty text"
            return False
        if not self.rows:
            self.error = "Run not saved: it has no batch yet; start or step the run first."
            return False
        with self.lock:
            saved = SavedRun.of(name, self.experiment)
        self.saved_runs = {**self.saved_runs, name: saved}
        return True

    def open_sweep(self, folder: str) -> bool:
        """Read a sweep's results folder (``driftlab sweep --out``, inside ``sweeps_root``) to compare
        the run against."""
        self.error = ""
        try:
            self.sweep = read_sweep(folder, self.sweeps_root)
        except DriftlabError as err:
            self.error = f"Sweep not opened: {err}"
            return False
        return True

    def current_summary(self) -> dict[str, Any]:
        """The run's figures as a sweep's results table has them (see :mod:`driftlab.dashboard.runs`)."""
        with self.lock:
            return SavedRun.of("current", self.experiment).summary

    # -- training -----------------------------------------------------------------------------

    def start_training(self) -> None:
        """Run a retraining episode now on the current regime's data (the monitor's manual trigger)."""
        self.error = ""
        trainer = self.experiment.trainer
        if trainer is None:
            self.error = "This scenario has no trainer: add a trainer section."
            return
        if trainer.running or self._manual.is_set():
            return
        if not self._pretrained:  # no data collected yet: the first episode is the run's pretraining
            self._launch(0)
            return
        if not self.rows and not trainer.episodes:  # the scenario pretrains on no samples
            self.error = "Nothing to train on yet: step or start the run to collect batches first."
            return
        self.training = True
        self._manual.set()
        self._wake.set()
        if self._worker is None or not self._worker.is_alive():
            self._launch(0)

    def _adapt_now(self, monitor: Any) -> None:
        """A manual episode, in the worker between two batches (it swaps in before the next one)."""
        try:
            with self.lock:
                monitor.adapt_now("manual")
        finally:
            self._manual.clear()

    def stop_training(self) -> None:
        """Stop the running episode before its next step."""
        if self.experiment.trainer is not None:
            self.experiment.trainer.stop()

    def configure_training(self, strategy: dict[str, Any], settings: dict[str, Any]) -> bool:
        """Set the trainer's strategy (a spec) and episode settings; they apply from the next episode.

        The scenario follows. A strategy of the same type carries its state over (EWC's Fisher). On
        error nothing changes.
        """
        self.error = ""
        trainer = self.experiment.trainer
        if trainer is None:
            self.error = "This scenario has no trainer: add a trainer section."
            return False
        unknown = sorted(set(settings) - set(EPISODE_SETTINGS))
        if unknown:
            self.error = f"Not an episode setting: {', '.join(unknown)}; expected {', '.join(EPISODE_SETTINGS)}"
            return False
        current = dict(self.scenario.spec["trainer"])
        written = {k: v for k, v in settings.items() if k in current or v != TrainerConfig.param[k].default}
        try:
            scenario = self.scenario.edited("trainer", {**current, "strategy": strategy, **written})
        except DriftlabError as err:
            self.error = f"Training settings not applied: {err}"
            return False
        chosen = make_strategy(strategy)
        if type(chosen) is type(trainer.strategy):
            chosen.load_state_dict(trainer.strategy.state_dict())
        trainer.strategy = chosen  # a running episode keeps the strategy it started with
        trainer.config.param.update(**settings)
        self.scenario = scenario
        return True

    # -- state --------------------------------------------------------------------------------

    def sync(self) -> None:
        """Copy the engine's state into the params (on the UI thread; see the module doc)."""
        experiment = self.experiment
        trainer = experiment.trainer
        step = experiment.tree.update_step
        if self._worker is not None and self._worker.is_alive() and self._phase:
            state = self._phase
        elif step >= self.max_steps:
            state = "finished"
        else:
            state = "paused" if self.rows else "idle"
        updates: dict[str, Any] = {"state": state, "step": step, "batch": len(self.rows)}
        failure, self._failure = self._failure, None
        if trainer is not None:
            updates.update(training=trainer.running or self._manual.is_set(), progress=trainer.progress,
                           episodes=len(trainer.episodes))
            if trainer.error is not None:
                failure, trainer.error = trainer.error, None
        if failure is not None:
            updates["error"] = f"{type(failure).__name__}: {failure}"
        self.param.update(**updates)

    def join(self, timeout: float | None = None) -> None:
        """Wait for the stream worker (and so for the episodes it runs or swaps in), then :meth:`sync`
        (scripts and tests). A background episode of a paused run swaps in when the run goes on."""
        if self._worker is not None:
            self._worker.join(timeout)
        self.sync()

    def close(self) -> None:
        """Stop the stream and any episode (when the browser session ends, or before a new scenario)."""
        self._stop.set()
        self._wake.set()
        if self.experiment is not None and self.experiment.trainer is not None:
            self.experiment.trainer.stop()  # first: a pretraining worker waits for its episode
        if self._worker is not None:
            self._worker.join(timeout=10)


def _prepare(read: Callable[[], Scenario], what: str) -> Prepared:
    """Read and build a scenario: the parts, or ``"Could not load <what>: <why>"``."""
    try:
        scenario = read()
        return scenario, scenario.build()
    except DriftlabError as err:
        return f"Could not load {what}: {err}"
    except Exception as err:  # e.g. a YAML key that is a list, nesting past the recursion limit: said, not lost
        return f"Could not load {what}: not a readable scenario ({type(err).__name__}: {err})"
