"""Checkpoints: a whole continual-learning run in one file, written atomically.

The file holds ``trainer.state_dict()`` (weights, untrained weights, optimizer, AMP scaler, the
strategy's state such as EWC's Fisher and anchor, the trainer's generator, the hand-over count,
the experiences and episode records), the current and memory buffers (their ``save_state`` files,
as bytes, with their own generators), the stream's position (update step and draw count) and seed,
and a monitor's state (:meth:`driftlab.monitor.Monitor.state_dict`: its history, from which loading
rebuilds the detectors): only tensors and plain data, so ``torch.load(weights_only=True)`` reads
it. It is written to a temporary file in the same folder, flushed, then renamed over ``path``
(``os.replace``): a crash leaves the old checkpoint.

Rules: save between episodes (saving while a background episode runs is an error). Saving first
moves the collector's queue into the current buffer (what the next episode would do anyway).
Loading drops whatever the collectors queued since, and puts the stream back at its saved
position (:meth:`~driftlab.tree.SamplingTree.seek`), so its next batch is the one that followed.
Loading checks everything before it changes anything; if a check fails, the trainer, its buffers
and the monitor are left as they were.

Devices: a checkpoint loads on any device, whatever device wrote it. ``torch.load`` reads the file's
tensors to ``map_location`` (the host by default, so a file written on a GPU loads on a machine
without one); each part is then copied to where the loading trainer keeps it (its model's device,
the host for buffers and generators). A run resumed on another device continues with the same
draws (the generators are host state) and the same weights; its floating-point results agree to
the rounding of the two devices.
"""
from __future__ import annotations

import os
import tempfile
from typing import Any

import torch

from driftlab.errors import ConfigError
from driftlab.files import write_atomically

from .trainer import Trainer

FORMAT = "driftlab.checkpoint/2"


def save_checkpoint(path: str | os.PathLike, trainer: Trainer, tree: Any = None, monitor: Any = None) -> None:
    """Write ``trainer``'s run (and ``tree``'s position, ``monitor``'s state) to ``path``, atomically."""
    trainer.current.update()
    state = {"format": FORMAT, "trainer": trainer.state_dict(),
             "buffers": {"current": _buffer_bytes(trainer.current.buffer), "memory": _buffer_bytes(trainer.memory)},
             "stream": None if tree is None else {"position": list(tree.position), "seed": tree.seed},
             "monitor": None if monitor is None else monitor.state_dict()}
    write_atomically(path, lambda file: torch.save(state, file))


def load_checkpoint(path: str | os.PathLike, trainer: Trainer, tree: Any = None, monitor: Any = None, *,
                    map_location: Any = "cpu") -> None:
    """Restore ``trainer`` (and ``tree``'s position, ``monitor``'s state) from a checkpoint written by
    :func:`save_checkpoint`; ``map_location`` is ``torch.load``'s (a device, a string, or a mapping such as
    ``{"cuda:1": "cuda:0"}``): where the file's tensors are read to before they are copied into the run."""
    file = os.fspath(path)
    try:
        state = torch.load(file, map_location=map_location, weights_only=True)
    except Exception as exc:  # torch raises UnpicklingError, RuntimeError, EOFError, ... on bad files
        raise ConfigError(file, f"not a readable checkpoint ({exc.__class__.__name__}: {exc})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ConfigError(file, f"expected a {FORMAT} file")
    stream = state["stream"]
    if tree is not None:
        if stream is None:
            raise ConfigError(f"{file}.stream", "the checkpoint was saved without a tree")
        if stream["seed"] != tree.seed:
            raise ConfigError(f"{file}.stream.seed",
                              f"saved from a tree of seed {stream['seed']}, this one has {tree.seed}")
    if monitor is not None and state.get("monitor") is None:
        raise ConfigError(f"{file}.monitor", "the checkpoint was saved without a monitor")
    trainer.current.update()
    buffers = {"current": trainer.current.buffer, "memory": trainer.memory}
    backup = {name: _buffer_bytes(buffer) for name, buffer in buffers.items()}
    monitor_backup = None if monitor is None else monitor.state_dict()
    try:
        if monitor is not None:
            try:
                monitor.load_state_dict(state["monitor"])  # first: it changes nothing when it fails
            except ConfigError as err:
                raise ConfigError(f"{file}.{err.path}", err.problem) from None
        for name, buffer in buffers.items():
            try:
                _load_buffer(buffer, state["buffers"][name])
            except ConfigError as err:  # it names a temporary file: name the checkpoint's part
                raise ConfigError(f"{file}.buffers.{name}", err.problem) from None
        trainer.load_state_dict(state["trainer"])  # last: it changes nothing when it fails
    except BaseException:
        for name, buffer in buffers.items():
            _load_buffer(buffer, backup[name])
        if monitor_backup is not None:
            monitor.load_state_dict(monitor_backup)
        raise
    if tree is not None:
        tree.seek(*stream["position"])


def _buffer_bytes(buffer: Any) -> torch.Tensor:
    """``buffer.save_state`` as a uint8 tensor."""
    with tempfile.TemporaryDirectory() as folder:
        file = os.path.join(folder, "buffer.npz")
        buffer.save_state(file)
        with open(file, "rb") as handle:
            return torch.frombuffer(bytearray(handle.read()), dtype=torch.uint8)


def _load_buffer(buffer: Any, data: torch.Tensor) -> None:
    with tempfile.TemporaryDirectory() as folder:
        file = os.path.join(folder, "buffer.npz")
        with open(file, "wb") as handle:
            handle.write(data.cpu().numpy().tobytes())
        buffer.load_state(file)
