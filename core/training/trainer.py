"""The continual-learning trainer: retraining episodes on CPU or GPU, triggered by drift alarms.

An *episode* trains ``model`` for ``max_iter`` optimizer steps on the current regime's data (the
samples in a :class:`~driftlab.buffers.DataUser`'s buffer, fed by the Monitor's collector) and on a
memory of past regimes (a :class:`~driftlab.buffers.DataBuffer`), as the strategy says
(:mod:`driftlab.training.strategies`). ``trainer.adapt`` is the Monitor's ``adapt`` callable; an episode
can also be started by hand (:meth:`Trainer.episode`) or by the Monitor's periodic arm.

Rules:

* **Batches.** Each step draws its current and memory samples uniformly with replacement. While
  the memory is empty every strategy gets ``batch_size`` current samples and ``memory=None``.
* **Randomness.** Batch indices and EWC's Fisher samples come from one ``torch.Generator`` seeded
  with ``seed``; weights from the model's own seed (:mod:`driftlab.training.models`), buffers from
  theirs. Nothing reads torch's, numpy's or Python's global generators: same seeds, same run
  (on the same device and number of threads, which fix the floating-point summation order).
* **Memory.** After an episode that ran all its steps, the current samples not handed over before
  (those the current buffer received since the last hand-over and still holds) are added to the
  memory, whose own rule (reservoir, class-balanced, ...) decides what stays. A stopped episode
  hands nothing over and consolidates nothing (no EWC update): its data stays current.
* **Stop.** :meth:`Trainer.stop` sets a flag checked before every step; the model keeps the weights
  of its last full step, which are swapped in as below.
* **Device.** The episode's data (current, memory, evaluation sets) goes to the device once, when
  the episode is prepared. Each step draws its indices on the host from the seeded generator
  (current first, then memory) and moves them in one ``non_blocking=True`` copy, from pinned memory
  when the device is CUDA (:func:`~driftlab.training.data.to_device`); the rows are gathered on the
  device. Nothing in a step reads a device value back to the host: each step's loss is written into
  a tensor on the device, which is read every ``log_every`` steps and after the last step (one
  device sync each), and only then is :class:`Progress` reported. With ``amp="fp16"`` torch's
  GradScaler still reads its inf check every step (a non-fused optimizer needs it on the host).
* **Failure.** A non-finite loss ends the episode at the report that reads it (so without a
  per-step sync) with a
  :class:`~driftlab.errors.TrainingError`: the model goes back to the weights it had before the
  episode, nothing is handed over, and the record says ``status: failed``. A background episode's
  error is raised by :meth:`Trainer.join`, or by the next :meth:`Trainer.episode` call.
* **Swap.** Training changes ``model``; the Monitor evaluates ``inference_model`` (see
  :meth:`Trainer.evaluator`). When an episode ends its weights are copied into the inference copy
  (``load_state_dict``) under ``lock``, which every forward pass of the evaluator also holds, so
  the monitor sees the old weights or the new ones, never a mix.
* **Background.** With ``background=True`` an episode is prepared in the caller's thread (data
  snapshot, the experience's evaluation set, accuracies before training), trained in a daemon
  thread, and ``adapt`` returns at once. Its weights swap in, and its record is completed, only
  when :meth:`Trainer.join` is called (in the caller's thread): never at a moment set by the
  clock, so the caller fixes where in the stream the new model starts (the Monitor: a fixed
  number of batches later). Until then the episode is ``running`` and another one is skipped.
* **Waiting.** The slow parts that run in the caller's thread (a foreground episode's training,
  :meth:`Trainer.join`'s wait) run inside ``trainer.unlocked()``, a context manager factory
  (default: does nothing); a dashboard gives one that releases its engine lock, so edits and
  snapshots go on while the stream waits for the model.
* **Mixed precision.** ``amp`` is ``"off"`` by default (fp32, the reproducible reference).
  ``"bf16"`` runs the strategies' losses under autocast on CUDA or on the CPU; ``"fp16"`` runs them
  under CUDA autocast with a GradScaler, and is a :class:`ConfigError` naming ``trainer.amp`` on the
  CPU (as is ``"bf16"`` on a GPU without bf16). The JVP penalty and the whole lookahead loss stay
  fp32, as does EWC's Fisher (computed after the last step, outside autocast). ``trainer.precision``
  says what is used: ``"fp32"``, ``"bf16"`` or ``"fp16"``.
* **Evaluation.** Given the stream's tree, each episode is a new experience: its evaluation set is
  drawn at the tree's step, and the accuracy matrix and its metrics are updated
  (:class:`~driftlab.training.evaluation.Experiences`). With ``regime_steps`` the experiences are
  the stream's true regimes instead, each scored after every episode.

>>> import numpy as np
>>> from driftlab.training.models import MLP
>>> trainer = Trainer(MLP(4, 2, hidden=(8,), seed=0), "naive", "cpu", max_iter=5, batch_size=8)
>>> trainer.collector.collect_batch({"x": np.random.default_rng(0).normal(size=(32, 4)), "y": [0, 1] * 16})
>>> record = trainer.episode()
>>> record["train_steps"], record["stopped"], len(trainer.memory)
(5, False, 32)
"""
from __future__ import annotations

import contextlib
import copy
import math
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import param
import torch
from torch import nn

from driftlab.buffers import DataBuffer, DataUser, ReservoirBuffer, SequentialBuffer
from driftlab.config import Config
from driftlab.errors import ConfigError, TrainingError

from .data import Batch, Labels, to_device
from .evaluation import Evaluator, Experiences
from .strategies import Strategy, make_strategy

_AMP_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}
OPTIMIZERS = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}


class TrainerConfig(Config):
    """Settings of a :class:`Trainer` (validated; errors name ``trainer.<setting>``).

    ``device``, ``amp``, ``seed`` and ``regime_steps`` take effect when the Trainer is built, the others at
    the start of the next episode (a kept optimizer gets the new ``lr``; another ``optimizer`` starts fresh).

    >>> config = TrainerConfig(max_iter=50, lr=0.01)
    >>> config.max_iter, config.device, config.to_spec()
    (50, 'auto', {'type': 'TrainerConfig', 'max_iter': 50, 'lr': 0.01})
    >>> TrainerConfig(batch_size=0)
    Traceback (most recent call last):
    ...
    driftlab.errors.ConfigError: TrainerConfig.batch_size: must be at least 1, not 0.
    """

    device = param.String("auto", doc="'auto' (CUDA when available, else CPU), 'cpu', 'cuda' or 'cuda:N'")
    amp: param.Selector[str] = param.Selector(
        default="off", objects=["off", "bf16", "fp16"],
        doc="mixed precision: autocast dtype of the losses (bf16 on CUDA or CPU, fp16 on CUDA)")
    max_iter = param.Integer(200, bounds=(1, 1_000_000), doc="optimizer steps per episode")
    batch_size = param.Integer(64, bounds=(1, 1_000_000), doc="samples per step")
    lr = param.Number(1e-3, bounds=(0, None), inclusive_bounds=(False, True), doc="learning rate")
    optimizer: param.Selector[str] = param.Selector(default="adam", objects=list(OPTIMIZERS),
                                                    doc="torch.optim.Adam or plain SGD")
    reset_optimizer = param.Boolean(True, doc="start every episode with a fresh optimizer state")
    eval_samples = param.Integer(512, bounds=(1, 1_000_000), doc="evaluation samples per experience")
    regime_steps = param.Integer(None, allow_None=True, bounds=(1, 1_000_000),
                                 doc="None: each episode is an experience; K: the experiences are the true regimes "
                                     "of steps 0..K-1, each scored after every episode (Experiences)")
    background = param.Boolean(False, doc="train in a background thread while monitoring goes on")
    log_every = param.Integer(10, bounds=(1, None),
                              doc="steps between reads of the losses to the host (progress reports)")
    seed = param.Integer(0, bounds=(0, None), doc="seed of batch sampling")
    threads = param.Integer(None, allow_None=True, bounds=(1, 1024),
                            doc="torch CPU threads, set when a scenario is built (None: default_threads())")


def default_threads(cpus: int | None = None) -> int:
    """torch's CPU thread count when ``trainer.threads`` is not set: 1 on ≤ 2 cores, else cores − 1.

    Rule: one core is left to what runs beside the model (the stream's prefetch thread, the
    dashboard's event loop, the CLI's writer); on 2 cores that leaves one, and torch's default of
    two threads there ran 1.7–2.4× slower under load than one thread and doubled the dashboard's
    slider echo during an episode. ``cpus`` defaults to
    ``os.cpu_count()``. Results depend on the thread count (it fixes the floating-point summation
    order), so runs to be compared across machines set ``trainer.threads`` to a fixed number.

    >>> default_threads(1), default_threads(2), default_threads(8)
    (1, 1, 7)
    """
    cpus = (os.cpu_count() or 1) if cpus is None else cpus
    return 1 if cpus <= 2 else cpus - 1


def apply_threads(threads: int | None) -> int:
    """Set torch's CPU thread count to ``threads`` (None: :func:`default_threads`); returns the count."""
    count = default_threads() if threads is None else threads
    if torch.get_num_threads() != count:
        torch.set_num_threads(count)
    return count


@dataclass(frozen=True)
class Progress:
    """Where a running episode is: ``step`` of ``max_iter`` done, its loss, seconds since it started.

    Reported every ``log_every`` steps and after the last step: ``losses`` holds the loss of each
    step since the previous report (steps ``step - len(losses) + 1`` to ``step``), ``loss`` the last.

    >>> from driftlab.training.models import MLP
    >>> seen = []
    >>> trainer = Trainer(MLP(2, 2, hidden=(4,), seed=0), device="cpu", max_iter=5, batch_size=4, log_every=2,
    ...                   on_progress=seen.append)
    >>> trainer.collector.collect_batch({"x": [[0.0, 1.0], [1.0, 0.0]] * 4, "y": [0, 1] * 4})
    >>> _ = trainer.episode()
    >>> [(p.episode, p.step, p.max_iter, len(p.losses)) for p in seen], seen[-1] is trainer.progress
    ([(0, 2, 5, 2), (0, 4, 5, 2), (0, 5, 5, 1)], True)
    """

    episode: int
    step: int
    max_iter: int
    loss: float
    elapsed: float
    losses: tuple[float, ...] = ()


@dataclass(frozen=True)
class _Fit:
    """How an episode's training ended: steps done, whether all ran, the last loss, its seconds."""

    done: int
    completed: bool
    loss: float
    seconds: float


@dataclass
class _Job:
    """An episode, prepared: its data, what to hand over to memory, its experience index."""

    current: Batch
    memory: Batch | None
    handover: dict[str, Any]
    added: int
    experience: int | None


def resolve_device(spec: str, path: str = "trainer.device") -> torch.device:
    """The torch device for ``spec``: ``auto`` is CUDA when available, else the CPU.

    >>> resolve_device("cpu")
    device(type='cpu')
    >>> resolve_device("tpu")
    Traceback (most recent call last):
    ...
    driftlab.errors.ConfigError: trainer.device: expected 'auto', 'cpu', 'cuda' or 'cuda:N', got 'tpu'
    """
    if spec == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(spec)
    except (RuntimeError, TypeError):
        device = None
    if device is None or device.type not in ("cpu", "cuda"):
        raise ConfigError(path, f"expected 'auto', 'cpu', 'cuda' or 'cuda:N', got {spec!r}")
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ConfigError(path, f"{spec!r} asked for, but CUDA is not available here (torch "
                              f"{torch.__version__}); use 'cpu' or 'auto'")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ConfigError(path, f"{spec!r} does not exist: this machine has "
                              f"{torch.cuda.device_count()} CUDA device(s)")
    return device


class Trainer:
    """Runs retraining episodes of ``model`` with ``strategy`` on ``device`` (see the module doc).

    ``classes`` maps stream labels to class indices (``tree.classes``; None: labels already are
    indices). With ``multi_label=True`` (a multi-label tree: ``tree.multi_label``) each label is a
    tuple of classes, trained as a multi-hot target with binary cross-entropy and scored by
    exact-match accuracy (:mod:`driftlab.training.data`), by every strategy. ``current`` is the
    DataUser of the current regime (default: a SequentialBuffer of the newest 1024 samples; give
    the Monitor ``trainer.collector``), ``memory`` the buffer of past regimes (default: a
    ReservoirBuffer of 2048 seeded with ``seed``). ``on_progress(Progress)`` is called after every
    step. Other keywords are :class:`TrainerConfig` settings.

    >>> from driftlab.library import rotated_digits
    >>> from driftlab.training.models import DigitsCNN
    >>> tree = rotated_digits(seed=0)
    >>> trainer = Trainer(DigitsCNN(seed=0), "replay", "cpu", classes=tree.classes, max_iter=2, batch_size=8,
    ...                   eval_samples=16)
    >>> trainer.collector.collect_batch(dict(zip(("x", "y"), tree.batch(32))))
    >>> record = trainer.episode(tree)  # experience 0, at the tree's current step
    >>> trainer.progress.step, record["stopped"], trainer.experiences.matrix.shape, len(trainer.memory)
    (2, False, (1, 1), 32)
    """

    def __init__(self, model: nn.Module, strategy: Strategy | str | dict = "naive", device: str = "auto", *,
                 classes: Sequence[Any] | None = None, multi_label: bool = False,
                 current: DataUser | None = None, memory: DataBuffer | None = None,
                 on_progress: Callable[[Progress], Any] | None = None, **settings: Any):
        try:
            self.config = TrainerConfig(device=device, **settings)
        except ConfigError as err:  # "TrainerConfig.lr: ..." -> "trainer.lr: ..."
            raise ConfigError("trainer" + err.path[len("TrainerConfig"):], err.problem) from None
        cfg = self.config
        self.device = resolve_device(cfg.device)
        _check_amp(cfg.amp, self.device)
        self.precision = "fp32" if cfg.amp == "off" else cfg.amp
        self.strategy = make_strategy(strategy)
        try:
            self.labels = Labels(classes, multi_label)
        except ConfigError as err:
            raise ConfigError(f"trainer.{err.path}", err.problem) from None
        self.current = current if current is not None else DataUser(SequentialBuffer(("x", "y"), 1024))
        self.memory = memory if memory is not None else ReservoirBuffer(("x", "y"), 2048, seed=cfg.seed)
        _check_buffers(self.current, self.memory)
        self.on_progress = on_progress
        self.model = model.to(self.device)
        self.inference_model = _frozen_copy(self.model)
        self.untrained_model = _frozen_copy(self.model)  # as given: the b[j] of forward transfer
        self.lock = threading.Lock()
        self.generator = torch.Generator().manual_seed(cfg.seed)
        self.optimizer: torch.optim.Optimizer | None = None
        self.scaler = torch.amp.GradScaler("cuda") if self.precision == "fp16" else None
        self.experiences = Experiences(cfg.regime_steps)
        self.episodes: list[dict[str, Any]] = []
        self.progress: Progress | None = None
        self.error: BaseException | None = None
        self._handed_over = 0  # the current buffer's `added` count at the last hand-over
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._active: _Job | None = None  # the episode started and not yet swapped in
        self._fitted: _Fit | None = None  # a background episode's training, once it has ended
        self.unlocked: Callable[[], contextlib.AbstractContextManager[Any]] = contextlib.nullcontext

    # -- wiring ---------------------------------------------------------------------------------

    @property
    def collector(self):
        """The collector of the current regime's data: give it to the Monitor (``collector=``)."""
        return self.current.collector

    def evaluator(self, batch_size: int = 1024) -> Evaluator:
        """The Monitor's ``evaluate`` callable, on the inference copy, under the swap lock."""
        return Evaluator(self.inference_model, self.labels, batch_size=batch_size, lock=self.lock)

    @property
    def running(self) -> bool:
        """Whether an episode has started and its weights are not swapped in yet (a background one
        stays running after its training ends, until :meth:`join`)."""
        return self._active is not None

    @property
    def status(self) -> str:
        """``idle`` (no episode yet), ``running``, or how the latest episode ended: ``completed``,
        ``stopped`` or ``failed``."""
        if self.running:
            return "running"
        if not self.episodes:
            return "idle"
        last = self.episodes[-1]  # records from before statuses existed say only whether they stopped
        return last.get("status") or ("stopped" if last["stopped"] else "completed")

    # -- episodes -------------------------------------------------------------------------------

    def adapt(self, monitor: Any) -> dict[str, Any]:
        """The Monitor's ``adapt`` callable: an episode on the current data, evaluated on ``monitor.tree``."""
        return self.episode(monitor.tree)

    def episode(self, tree: Any = None) -> dict[str, Any]:
        """Run one episode (in the background with ``background=True``) and return its record.

        With ``tree`` the episode is a new experience at ``tree.update_step`` and the record holds
        the accuracy matrix metrics. A background episode returns ``{"background": True, ...}`` at
        once (its record lands in ``episodes`` when :meth:`join` swaps it in); one asked for while
        another runs returns ``{"skipped": ...}``. The record's ``loss`` is the last step's;
        ``train_seconds`` runs from the first step to the last loss read (which waits for the
        device to finish).
        """
        if self.running:
            return {"skipped": "an episode is already running"}
        if self.error is not None:  # a failed background episode is reported, never silently replaced
            error, self.error = self.error, None
            raise error
        job = self._prepare(tree)
        self._stop.clear()
        if not self.config.background:
            return self._train(job)
        self.error, self._fitted, self._active = None, None, job
        self._thread = threading.Thread(target=self._fit_in_background, args=(job,),
                                        name="driftlab-trainer", daemon=True)
        self._thread.start()
        return {"background": True, "experience": job.experience}

    def stop(self) -> None:
        """Ask the running episode to stop before its next step (thread-safe)."""
        self._stop.set()

    def join(self, timeout: float | None = None) -> dict[str, Any] | None:
        """Wait for a background episode, swap its weights in and complete its record (see the module
        doc); re-raise its exception; return the latest record. Past ``timeout`` seconds it returns
        with the episode still running."""
        if self._thread is not None:
            with self.unlocked():
                self._thread.join(timeout)
            if self._thread.is_alive():
                return self.episodes[-1] if self.episodes else None
        job, fitted = self._active, self._fitted
        if job is not None and fitted is not None:
            self._fitted = None
            self._finish(job, fitted)
        self._active = None
        if self.error is not None:
            error, self.error = self.error, None
            raise error
        return self.episodes[-1] if self.episodes else None

    def _prepare(self, tree: Any) -> _Job:
        """Snapshot the data and, with a tree, register the experience (in the caller's thread)."""
        self.current.update()
        data = self.current.get_data()
        if len(data["y"]) == 0:
            raise ConfigError("trainer.current", "holds no data: give the Monitor collector=trainer.collector")
        current = Batch.from_data(data, self.labels, self.device)
        memory = Batch.from_data(self.memory.get_data(), self.labels, self.device) if len(self.memory) else None
        added = self.current.buffer.added
        new = min(len(data["y"]), added - self._handed_over)
        handover = {field: values[len(values) - new:] for field, values in data.items()}
        experience = None
        if tree is not None:
            experience = self.experiences.arrive(
                tree, self.config.eval_samples,
                lambda X, y: Batch.from_data({"x": X, "y": y}, self.labels, self.device),
                lambda data: self.evaluator().score(data)["accuracy"],
                lambda data: Evaluator(self.untrained_model).score(data)["accuracy"])
        return _Job(current, memory, handover, added, experience)

    def _fit_in_background(self, job: _Job) -> None:
        try:
            self._fitted = self._fit(job)
        except BaseException as exc:  # surfaced by join() and trainer.error, not lost in a thread
            self.error = exc

    def _train(self, job: _Job) -> dict[str, Any]:
        """A foreground episode: train, swap in, record."""
        self._active = job
        try:
            with self.unlocked():
                return self._finish(job, self._fit(job))
        finally:
            self._active = None

    def _fit(self, job: _Job) -> _Fit:
        """The episode's training steps and hand-over to memory (the model only: nothing the monitor reads)."""
        cfg, model, strategy = self.config._v, self.model, self.strategy
        optimizer = self.optimizer
        if optimizer is None or cfg.reset_optimizer or type(optimizer) is not OPTIMIZERS[cfg.optimizer]:
            optimizer = self.optimizer = self._new_optimizer()
        for group in optimizer.param_groups:
            group["lr"] = cfg.lr
        n_current, n_memory = strategy.batch_sizes(cfg.batch_size) if job.memory is not None else (cfg.batch_size, 0)
        model.train()
        strategy.begin_episode(model)
        start, done, reported, loss_value = time.perf_counter(), 0, 0, math.nan
        losses = torch.empty(cfg.max_iter, device=self.device)  # each step's loss, read by the reports
        while done < cfg.max_iter and not self._stop.is_set():
            current, memory = self._draw(job, n_current, n_memory)
            with self._autocast():
                loss = strategy.loss(model, current, memory)
            self._step(loss, optimizer)
            losses[done] = loss.detach()
            done += 1
            if done % cfg.log_every == 0 or done == cfg.max_iter:
                loss_value = self._report(job, losses, reported, done, start)
                reported = done
        if reported < done:  # stopped between two reports
            loss_value = self._report(job, losses, reported, done, start)
        seconds = time.perf_counter() - start
        completed = done == cfg.max_iter
        if completed:
            strategy.end_episode(model, job.current, self.generator)
            if len(job.handover["y"]):
                self.memory.add_batch(job.handover)
            self._handed_over = job.added
        return _Fit(done, completed, loss_value, seconds)

    def _finish(self, job: _Job, fit: _Fit) -> dict[str, Any]:
        """Swap the trained weights in, score the experiences, record the episode."""
        with self.lock:
            self.inference_model.load_state_dict(self.model.state_dict())
        record = {"experience": job.experience, "train_steps": fit.done, "stopped": not fit.completed,
                  "status": "completed" if fit.completed else "stopped", "loss": fit.loss,
                  "train_seconds": fit.seconds, "current_samples": len(job.current),
                  "memory_samples": 0 if job.memory is None else len(job.memory)}
        if job.experience is not None:
            evaluate = self.evaluator()
            row = self.experiences.record(lambda data: evaluate.score(data)["accuracy"])
            record.update(accuracy=float(row[job.experience]), **self.experiences.metrics())
        self.episodes.append(record)
        return record

    def _draw(self, job: _Job, n_current: int, n_memory: int) -> tuple[Batch, Batch | None]:
        """A step's current and memory batches: indices drawn on the host (current, then memory),
        moved to the device in one copy, rows gathered there."""
        index = job.current.draw(n_current, self.generator)
        if not n_memory:
            return job.current.take(to_device(index, self.device)), None
        assert job.memory is not None, "memory samples are asked for only when there is a memory"
        index = to_device(torch.cat([index, job.memory.draw(n_memory, self.generator)]), self.device)
        return job.current.take(index[:n_current]), job.memory.take(index[n_current:])

    def _report(self, job: _Job, losses: torch.Tensor, reported: int, done: int, start: float) -> float:
        """Read the losses of steps ``reported + 1 .. done`` (one device sync), report them; the last loss.
        A non-finite one fails the episode (:meth:`_failed`)."""
        window = tuple(losses[reported:done].tolist())
        bad = next((i for i, loss in enumerate(window) if not math.isfinite(loss)), None)
        if bad is not None:
            raise self._failed(job, done, reported + bad, window[bad], time.perf_counter() - start)
        self.progress = Progress(len(self.episodes), done, self.config.max_iter, window[-1],
                                 time.perf_counter() - start, window)
        if self.on_progress is not None:
            self.on_progress(self.progress)
        return window[-1]

    def _failed(self, job: _Job, done: int, step: int, loss: float, seconds: float) -> TrainingError:
        """Put the model back as it was before the episode, record the failure, and say why."""
        with self.lock:
            self.model.load_state_dict(self.inference_model.state_dict())
        self.optimizer = None
        self.episodes.append({"experience": job.experience, "train_steps": done, "stopped": True,
                              "status": "failed", "loss": loss, "train_seconds": seconds,
                              "current_samples": len(job.current),
                              "memory_samples": 0 if job.memory is None else len(job.memory)})
        return TrainingError(f"trainer: episode {len(self.episodes) - 1} stopped at step {step + 1}: the loss "
                             f"is {loss} (non-finite); check the stream for NaN or infinite values, and trainer.lr")

    def _new_optimizer(self) -> torch.optim.Optimizer:
        return OPTIMIZERS[self.config.optimizer](self.model.parameters(), lr=self.config.lr)

    def _autocast(self):
        if self.precision == "fp32":
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=_AMP_DTYPES[self.precision])

    def _step(self, loss: torch.Tensor, optimizer: torch.optim.Optimizer) -> None:
        optimizer.zero_grad(set_to_none=True)
        if self.scaler is None:
            loss.backward()
            optimizer.step()
        else:
            self.scaler.scale(loss).backward()
            self.scaler.step(optimizer)
            self.scaler.update()

    # -- state ----------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """Everything an episode depends on except the buffers (tensors and plain data, for
        ``torch.load(weights_only=True)``): weights, optimizer, strategy state, generator, experiences."""
        if self.running:
            raise ConfigError("trainer", "an episode is running: stop() and join() it first")
        return {"strategy": self.strategy.to_spec(), "model": self.model.state_dict(),
                "untrained_model": self.untrained_model.state_dict(),
                "optimizer": None if self.optimizer is None else self.optimizer.state_dict(),
                "optimizer_kind": self.config.optimizer,
                "scaler": None if self.scaler is None else self.scaler.state_dict(),
                "strategy_state": self.strategy.state_dict(), "generator": self.generator.get_state(),
                "handed_over": self._handed_over, "experiences": self.experiences.state_dict(),
                "episodes": copy.deepcopy(self.episodes)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict`; everything is checked before anything changes."""
        if self.running:
            raise ConfigError("trainer", "an episode is running: stop() and join() it first")
        if state["strategy"]["type"] != self.strategy.spec_type():
            raise ConfigError("trainer.strategy", f"the state is of strategy {state['strategy']['type']!r}, "
                              f"this trainer runs {self.strategy.spec_type()!r}")
        for name in ("model", "untrained_model"):
            _check_same_tensors(self.model.state_dict(), state[name], f"trainer.{name}")
        optimizer = None
        if state["optimizer"] is not None:
            if state["optimizer_kind"] != self.config.optimizer:
                raise ConfigError("trainer.optimizer", f"the state holds a {state['optimizer_kind']!r} optimizer, "
                                  f"this trainer uses {self.config.optimizer!r}")
            optimizer = self._new_optimizer()
            try:
                optimizer.load_state_dict(state["optimizer"])
            except (ValueError, KeyError) as exc:
                raise ConfigError("trainer.optimizer", f"does not match the saved state ({exc})") from None
        self.model.load_state_dict(state["model"])
        self.untrained_model.load_state_dict(state["untrained_model"])
        with self.lock:
            self.inference_model.load_state_dict(state["model"])
        self.optimizer = optimizer
        if self.scaler is not None and state["scaler"] is not None:
            self.scaler.load_state_dict(state["scaler"])
        self.strategy.load_state_dict({k: _to(v, self.device) for k, v in state["strategy_state"].items()})
        self.generator.set_state(state["generator"].cpu())
        self._handed_over = state["handed_over"]
        self.experiences.load_state_dict(state["experiences"], self.device)
        self.episodes = copy.deepcopy(state["episodes"])


def _check_amp(amp: str, device: torch.device) -> None:
    """``trainer.amp`` must be one the device runs: fp16 needs CUDA (a GradScaler), bf16 a GPU that has it."""
    if amp == "fp16" and device.type != "cuda":
        raise ConfigError("trainer.amp", f"'fp16' needs a CUDA device (with a GradScaler), the trainer runs on "
                          f"{device.type!r}; use 'bf16' or 'off' there")
    if amp == "bf16" and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise ConfigError("trainer.amp", f"'bf16' is not supported by {torch.cuda.get_device_name(device)}; "
                          "use 'fp16' or 'off'")


def _frozen_copy(model: nn.Module) -> nn.Module:
    return copy.deepcopy(model).eval().requires_grad_(False)


def _to(value: Any, device: torch.device) -> Any:
    if isinstance(value, dict):
        return {k: _to(v, device) for k, v in value.items()}
    return value.to(device) if isinstance(value, torch.Tensor) else value


def _check_buffers(current: Any, memory: Any) -> None:
    if not isinstance(current, DataUser) or not isinstance(current.buffer, SequentialBuffer):
        raise ConfigError("trainer.current", "expected a DataUser of a SequentialBuffer (the newest samples), "
                          f"got {type(current).__name__}")
    if not isinstance(memory, DataBuffer):
        raise ConfigError("trainer.memory", f"expected a DataBuffer, got {type(memory).__name__}")
    for path, buffer in (("trainer.current", current.buffer), ("trainer.memory", memory)):
        if set(buffer.fields) != {"x", "y"}:
            raise ConfigError(f"{path}.fields", f"expected the fields ('x', 'y') the Monitor collects, "
                              f"got {buffer.fields}")


def _check_same_tensors(expected: dict[str, torch.Tensor], saved: Any, path: str) -> None:
    if not isinstance(saved, dict) or set(saved) != set(expected):
        raise ConfigError(path, f"the saved weights name other tensors than this model's {sorted(expected)}")
    for name, tensor in expected.items():
        if tuple(saved[name].shape) != tuple(tensor.shape):
            raise ConfigError(f"{path}.{name}", f"saved with shape {tuple(saved[name].shape)}, "
                              f"this model has {tuple(tensor.shape)}")
