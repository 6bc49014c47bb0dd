"""Retraining on a GPU, measured: training and monitoring throughput, CPU/GPU agreement, cross-device resume.

On a CUDA machine (``--device cuda``, the default) it prints, for DigitsCNN on rotated digits:

1. Training steps/s of each strategy (naive, replay, ewc, jvp, jvp_lookahead; naive also under
   ``amp`` bf16 and fp16) against a plain hand-written loop on the same model, batch size and data
   (indices drawn on the device, cross-entropy, backward, Adam step): min/median/max over ``--runs``
   runs after a warm-up, and ratio = median strategy / median plain. Goals: >= 0.9x for naive and
   replay; a JVP step at most 2.5x naive's. Peak GPU memory of each, and the synchronizing CUDA
   operations of one episode (torch's sync debug mode).
2. Monitor-loop samples/s (stream batches drawn, evaluated by the trainer's evaluator, collected)
   against bare inference (``model(x)`` on batches already on the GPU) and the evaluator alone on host
   batches; min/median/max over the runs.
3. Agreement of two short episodes (two experiences) per strategy run on the CPU and on the GPU from
   the same seeds: largest difference of the per-step losses and of the accuracy matrix, against the
   stated tolerances (TF32 convolutions and another summation order make the devices differ by rounding).
4. A checkpoint saved on the GPU, resumed on the CPU and on the GPU: the next episode's losses and the
   accuracy matrix against those of the run that went on without stopping.

Timings are never asserted; a check of 3 or 4 beyond its tolerance makes the exit status 1.
Without CUDA it says so and exits 0. ``--device cpu`` runs the same logic on the CPU at tiny sizes
(the CPU stands in for the GPU: agreement and resume must then be exact).

    python benchmarks/gpu.py [--runs 3] [--steps 300] [--batch-size 256]
    python benchmarks/gpu.py --device cpu
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
import warnings

import numpy as np
import torch
import torch.nn.functional as F

from driftlab.buffers import DataUser, ReservoirBuffer, SequentialBuffer
from driftlab.library import rotated_digits
from driftlab.monitor import Monitor
from driftlab.training import DigitsCNN, Trainer, load_checkpoint, save_checkpoint

STRATEGIES = {"naive": "naive", "replay": {"type": "replay", "ratio": 0.5}, "ewc": {"type": "ewc", "ewc_lambda": 10.0},
              "jvp": {"type": "jvp", "mu": 0.05},
              "jvp_lookahead": {"type": "jvp_lookahead", "jvp_lambda": 0.001, "dx_scale": 0.1}}
SIZES = {  # steps per timed run, batch, stream samples, monitor batches and batch size, agreement steps
    "cuda": {"steps": 300, "batch_size": 256, "current": 1024, "memory": 2000, "monitor_batches": 40,
             "monitor_batch": 1024, "episode_steps": 30, "eval_samples": 512},
    "cpu": {"steps": 5, "batch_size": 16, "current": 96, "memory": 96, "monitor_batches": 3,
            "monitor_batch": 64, "episode_steps": 4, "eval_samples": 48},
}
TOLERANCE = {"cuda": {"loss": 0.02, "accuracy": 0.05}, "cpu": {"loss": 0.0, "accuracy": 0.0}}
SEED = 0


def sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def spread(values: list[float]) -> str:
    return f"{min(values):10.1f} {statistics.median(values):10.1f} {max(values):10.1f}"


def fixed_data(sizes: dict) -> tuple[dict, dict]:
    """Current samples (second regime) and memory samples (first regime) of rotated digits, as numpy."""
    tree = rotated_digits(seed=SEED, regime_length=2)
    memory = dict(zip(("x", "y"), tree.batch(sizes["memory"]), strict=True))
    tree.set_update_step(4)
    return dict(zip(("x", "y"), tree.batch(sizes["current"]), strict=True)), memory


def make_trainer(strategy, device: str, sizes: dict, **settings) -> Trainer:
    settings = {"max_iter": sizes["steps"], "batch_size": sizes["batch_size"], "eval_samples": sizes["eval_samples"],
                "seed": SEED, "log_every": 50, **settings}
    return Trainer(DigitsCNN(seed=SEED), strategy, device, current=DataUser(SequentialBuffer(("x", "y"), 4096)),
                   memory=ReservoirBuffer(("x", "y"), 4096, seed=SEED), **settings)


# -- 1. training throughput ----------------------------------------------------------------------------


def plain_run(current: dict, device: str, sizes: dict):
    """A function running a hand-written loop of ``steps`` steps and returning its seconds."""
    model = DigitsCNN(seed=SEED).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.as_tensor(current["x"], dtype=torch.float32, device=device)
    y = torch.as_tensor(current["y"], device=device)
    generator = torch.Generator(device=device).manual_seed(SEED)

    def run(steps: int) -> float:
        sync(device)
        start = time.perf_counter()
        for _ in range(steps):
            index = torch.randint(len(y), (sizes["batch_size"],), generator=generator, device=device)
            loss = F.cross_entropy(model(x[index]), y[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        sync(device)
        return time.perf_counter() - start

    return run


def strategy_run(strategy, current: dict, memory: dict, device: str, sizes: dict, **settings):
    """The same through the Trainer: memory filled, one episode of ``steps`` steps per call (its
    ``train_seconds`` end with the last loss read, after the device has finished)."""
    trainer = make_trainer(strategy, device, sizes, **settings)
    trainer.memory.add_batch(memory)
    trainer.collector.collect_batch(current)

    def run(steps: int) -> float:
        trainer.config.max_iter = steps
        sync(device)
        return trainer.episode()["train_seconds"]

    run.trainer = trainer
    return run


def device_syncs(trainer: Trainer, steps: int) -> int:
    """Synchronizing CUDA operations in one episode of ``steps`` steps (torch's sync debug mode)."""
    trainer.config.max_iter = steps
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.cuda.set_sync_debug_mode("warn")
        try:
            trainer.episode()
        finally:
            torch.cuda.set_sync_debug_mode("default")
    return sum("synchroniz" in str(warning.message) for warning in caught)


def throughput(device: str, sizes: dict, runs: int) -> float:
    current, memory = fixed_data(sizes)
    loops = {"plain torch": plain_run(current, device, sizes)}
    loops.update({name: strategy_run(spec, current, memory, device, sizes) for name, spec in STRATEGIES.items()})
    if device == "cuda":
        if torch.cuda.is_bf16_supported():
            loops["naive amp=bf16"] = strategy_run("naive", current, memory, device, sizes, amp="bf16")
        loops["naive amp=fp16"] = strategy_run("naive", current, memory, device, sizes, amp="fp16")
    rates, peaks, syncs = {}, {}, {}
    for name, run in loops.items():
        run(max(2, sizes["steps"] // 10))  # warm-up: first calls, cuDNN's choice of algorithms, allocations
        if device == "cuda":
            torch.cuda.reset_peak_memory_stats()
        rates[name] = [sizes["steps"] / run(sizes["steps"]) for _ in range(runs)]
        peaks[name] = torch.cuda.max_memory_allocated() / 2**20 if device == "cuda" else float("nan")
        trainer = getattr(run, "trainer", None)
        syncs[name] = device_syncs(trainer, sizes["steps"]) if device == "cuda" and trainer is not None else "-"
    plain = statistics.median(rates["plain torch"])
    print(f"\n1. Training steps/s, batch {sizes['batch_size']}, {sizes['steps']} steps a run, {runs} runs")
    print(f"{'loop':16} {'min':>10} {'median':>10} {'max':>10} {'ratio':>7} {'peak MiB':>9} {'syncs':>6}")
    for name, values in rates.items():
        print(f"{name:16} {spread(values)} {statistics.median(values) / plain:7.2f} {peaks[name]:9.1f} "
              f"{syncs[name]:>6}")
    if device == "cuda":
        print("syncs: synchronizing CUDA operations in one episode (torch's sync debug mode); the loop reads the "
              f"losses every log_every = 50 steps, so about {math.ceil(sizes['steps'] / 50)} plus the episode's "
              "start and end")
    naive_time = 1 / statistics.median(rates["naive"])
    for name in ("naive", "replay"):
        ratio = statistics.median(rates[name]) / plain
        print(f"goal {name} >= 0.9x plain: {ratio:.2f}x, {'met' if ratio >= 0.9 else 'missed'}")
    for name in ("jvp", "jvp_lookahead"):
        ratio = (1 / statistics.median(rates[name])) / naive_time
        print(f"goal {name} step <= 2.5x naive's: {ratio:.2f}x, {'met' if ratio <= 2.5 else 'missed'}")
    return max(peaks.values())


# -- 2. monitoring throughput ----------------------------------------------------------------------------


def monitoring(device: str, sizes: dict, runs: int) -> None:
    n, size = sizes["monitor_batches"], sizes["monitor_batch"]
    trainer = make_trainer("naive", device, sizes)
    tree = rotated_digits(seed=SEED)
    batches = [tree.batch(size) for _ in range(n)]
    on_device = [torch.as_tensor(X, dtype=torch.float32, device=device) for X, _ in batches]
    evaluate = trainer.evaluator()

    def bare() -> float:
        sync(device)
        start = time.perf_counter()
        with torch.no_grad():
            for x in on_device:
                trainer.inference_model(x)
        sync(device)
        return time.perf_counter() - start

    def evaluator() -> float:
        start = time.perf_counter()
        for X, y in batches:
            evaluate(X, y)
        return time.perf_counter() - start

    def loop() -> float:
        monitor = Monitor(rotated_digits(seed=SEED), evaluate, batch_size=size, adaptation="never",
                          collector=trainer.collector)
        start = time.perf_counter()
        monitor.run(max_batches=n)
        return time.perf_counter() - start

    def stream() -> float:
        source = rotated_digits(seed=SEED)
        start = time.perf_counter()
        for _ in range(n):
            source.batch(size)
        return time.perf_counter() - start

    rows = {"bare inference": bare, "evaluator (host batches)": evaluator, "monitor loop": loop,
            "stream alone": stream}
    for run in rows.values():
        run()  # warm-up
    rates = {name: [n * size / run() for _ in range(runs)] for name, run in rows.items()}
    base = statistics.median(rates["bare inference"])
    print(f"\n2. Monitoring samples/s, {n} batches of {size}, {runs} runs")
    print(f"{'loop':26} {'min':>10} {'median':>10} {'max':>10} {'ratio':>7}")
    for name, values in rates.items():
        print(f"{name:26} {spread(values)} {statistics.median(values) / base:7.3f}")


# -- 3. and 4. agreement and resume ----------------------------------------------------------------------


def short_run(strategy, device: str, sizes: dict, experiences: int = 2, trainer=None, tree=None):
    """``experiences`` experiences of ``episode_steps`` steps: (trainer, tree, per-step losses)."""
    losses: list[float] = []
    if trainer is None:
        trainer = make_trainer(strategy, device, sizes, max_iter=sizes["episode_steps"], log_every=10)
        tree = rotated_digits(seed=SEED, regime_length=2)
    trainer.on_progress = lambda progress: losses.extend(progress.losses)
    for _ in range(experiences):
        trainer.collector.collect_batch(dict(zip(("x", "y"), tree.batch(2 * sizes["batch_size"]), strict=True)))
        trainer.episode(tree)
        tree.update()
        tree.update()
    return trainer, tree, losses


def differences(a: tuple, b: tuple) -> tuple[float, float]:
    """Largest |difference| of the losses and of the accuracy matrices of two short runs."""
    loss = float(np.max(np.abs(np.subtract(a[2], b[2]))))
    matrix = float(np.nanmax(np.abs(a[0].experiences.matrix - b[0].experiences.matrix)))
    return loss, matrix


def agreement(device: str, sizes: dict) -> bool:
    tolerance = TOLERANCE[device]
    print(f"\n3. Agreement of two {sizes['episode_steps']}-step episodes, CPU vs {device} "
          f"(tolerance: losses {tolerance['loss']}, accuracy {tolerance['accuracy']})")
    ok = True
    for name, spec in STRATEGIES.items():
        loss, matrix = differences(short_run(spec, "cpu", sizes), short_run(spec, device, sizes))
        good = loss <= tolerance["loss"] and matrix <= tolerance["accuracy"]
        ok &= good
        print(f"{name:16} max |loss diff| {loss:.2e}  max |accuracy diff| {matrix:.3f}  {'ok' if good else 'FAIL'}")
    return ok


def resume(device: str, sizes: dict) -> bool:
    tolerance = TOLERANCE[device]
    spec = STRATEGIES["ewc"]  # the richest state: Fisher and anchor, optimizer, memory
    print(f"\n4. A checkpoint saved on {device} after two experiences, the third resumed elsewhere (ewc)")
    trainer, tree, _ = short_run(spec, device, sizes)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "run.ckpt")
        save_checkpoint(path, trainer, tree)
        whole = short_run(spec, device, sizes, 1, trainer, tree)
        ok = True
        for target in ("cpu", device):
            fresh = make_trainer(spec, target, sizes, max_iter=sizes["episode_steps"], log_every=10)
            fresh_tree = rotated_digits(seed=SEED, regime_length=2)
            load_checkpoint(path, fresh, fresh_tree)
            loss, matrix = differences(short_run(spec, target, sizes, 1, fresh, fresh_tree), whole)
            exact = target == device
            good = (loss, matrix) == (0.0, 0.0) if exact else (loss <= tolerance["loss"]
                                                               and matrix <= tolerance["accuracy"])
            ok &= good
            print(f"resumed on {target:5} max |loss diff| {loss:.2e}  max |accuracy diff| {matrix:.3f}  "
                  f"{'ok' if good else 'FAIL'}{' (must be exact)' if exact else ''}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda",
                        help="cuda: the measurement; cpu: the same logic at tiny sizes")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each loop (min/median/max)")
    parser.add_argument("--steps", type=int, help="training steps per timed run")
    parser.add_argument("--batch-size", type=int, help="samples per training step")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        print(f"benchmarks/gpu.py needs CUDA, and torch {torch.__version__} sees no CUDA device here: nothing "
              "measured. (--device cpu runs its logic on the CPU at tiny sizes.)")
        return 0
    if args.threads:
        torch.set_num_threads(args.threads)
    sizes = dict(SIZES[args.device])
    sizes.update({k: v for k, v in (("steps", args.steps), ("batch_size", args.batch_size)) if v})
    name = torch.cuda.get_device_name() if args.device == "cuda" else "CPU (standing in for the GPU)"
    print(f"device {name}; torch {torch.__version__}, {torch.get_num_threads()} CPU threads; DigitsCNN on "
          f"rotated digits, seed {SEED}")
    start = time.perf_counter()
    training_peak = throughput(args.device, sizes, args.runs)
    if args.device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    monitoring(args.device, sizes, args.runs)
    ok = agreement(args.device, sizes)
    ok &= resume(args.device, sizes)
    if args.device == "cuda":
        print(f"\npeak GPU memory allocated: training {training_peak:.1f} MiB (the largest of part 1), "
              f"monitoring, agreement and resume {torch.cuda.max_memory_allocated() / 2**20:.1f} MiB")
    print(f"\n{'all checks ok' if ok else 'CHECKS FAILED'}; {time.perf_counter() - start:.0f} s in all")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
