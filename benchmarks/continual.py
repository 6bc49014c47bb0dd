"""Continual learning on rotated digits: strategies under drift-triggered retraining, and step throughput.

Quality: for each strategy, one run of the Monitor (a detector on the accuracy of each stream batch)
with ``trainer.adapt`` on ``rotated_digits`` whose rotation steps through ``--angles`` (one angle
per regime of ``--regime-length`` steps; the scenario's noise and class-prior schedules as they
are). An initial episode on the first regime, then one episode per alarm; each episode is an
experience. Table: average accuracy, forgetting under Avalanche's definition (R[j,j] − R[t,j]) and
Chaudhry et al. 2018's (max_{j<=l<t} R[l,j] − R[t,j]), backward and forward transfer over those
experiences (driftlab.training.metrics), the number of episodes (the initial one included) and the
stream steps of the alarms, the wall time of the whole run (monitoring included).
Every strategy shares the model seed, the stream, the detector and a class-balanced memory.

Throughput: training steps per second of each strategy on the same fixed data (current regime
and memory) against a plain hand-written PyTorch loop (Adam, cross-entropy, random batches, same
model and batch size), measured in the same run; ratio = strategy / plain.

    python benchmarks/continual.py [--angles 0,60,120,180] [--regime-length 4] [--max-iter 200]
                                   [--detector PageHinkley] [--adapt-delay 0] [--throughput-steps 300]
                                   [--seed 0] [--threads N]
"""
from __future__ import annotations

import argparse
import time

import pandas as pd
import torch
import torch.nn.functional as F

from driftlab.buffers import ClassBalancedBuffer, DataUser, SequentialBuffer
from driftlab.detectors import make_detector
from driftlab.library import rotated_digits
from driftlab.monitor import Monitor
from driftlab.training import DigitsCNN, Trainer

STRATEGIES = {  # tuned on seed 0, checked on seeds 1 and 2: each learns new regimes and forgets little
    "naive": "naive",
    "replay": {"type": "replay", "ratio": 0.5},
    "ewc": {"type": "ewc", "ewc_lambda": 10.0},
    "jvp": {"type": "jvp", "mu": 0.05},
    "jvp_reg": {"type": "jvp_reg", "jvp_lambda": 0.001, "deltax_norm": 1.0},  # Apeiron's defaults, not tuned here
    "jvp_lookahead": {"type": "jvp_lookahead", "jvp_lambda": 0.001, "dx_scale": 0.1},
}
DETECTORS = {  # on the accuracy of batches of 64: a drop of ~0.3 within a few batches
    "PageHinkley": {"min_instances": 5, "threshold": 0.5, "delta": 0.01, "mode": "down"},
    "ADWIN": {"delta": 0.1, "clock": 1, "grace_period": 5, "min_window_length": 3},
}
BATCH = 64


def scenario(args: argparse.Namespace):
    tree = rotated_digits(seed=args.seed, regime_length=args.regime_length)
    tree.params["rotate.angle"] = {"schedule": [a for a in args.angles for _ in range(args.regime_length)]}
    return tree


def make_trainer(strategy, args: argparse.Namespace, device: str) -> Trainer:
    return Trainer(DigitsCNN(seed=args.seed), strategy, device, max_iter=args.max_iter, batch_size=BATCH,
                   lr=1e-3, seed=args.seed, current=DataUser(SequentialBuffer(("x", "y"), 512)),
                   memory=ClassBalancedBuffer(("x", "y"), 2000, label_field="y", seed=args.seed))


def quality_run(name: str, args: argparse.Namespace, device: str) -> dict:
    """One drift-triggered run of strategy ``name``: metrics of its accuracy matrix, episodes, seconds."""
    start = time.perf_counter()
    tree = scenario(args)
    trainer = make_trainer(STRATEGIES[name], args, device)
    detector = make_detector(args.detector, **DETECTORS[args.detector])
    monitor = Monitor(tree, trainer.evaluator(), detector, batch_size=BATCH, batches_per_step=10,
                      adapt=trainer.adapt, collector=trainer.collector, adapt_delay=args.adapt_delay)
    for _ in range(8):  # the first regime's data for the initial episode
        trainer.collector.collect_batch(dict(zip(("x", "y"), tree.batch(BATCH), strict=False)))
    monitor.adapt_now("initial")
    monitor.run(max_steps=len(args.angles) * args.regime_length)
    metrics = trainer.experiences.metrics()
    return {"strategy": name, "avg_acc": metrics["average_accuracy"], "forget_aval": metrics["forgetting_avalanche"],
            "forget_chaudhry": metrics["forgetting_chaudhry"],
            "bwt": metrics["backward_transfer"], "fwt": metrics["forward_transfer"],
            "episodes": len(monitor.episodes), "alarm_steps": trainer.experiences.steps[1:],
            "wall_s": time.perf_counter() - start, "device": str(trainer.device)}


def fixed_data(args: argparse.Namespace):
    """1024 current samples (second regime) and 2000 memory samples (first regime), as numpy."""
    tree = scenario(args)
    memory = tree.batch(2000)
    tree.set_update_step(args.regime_length)
    return dict(zip(("x", "y"), tree.batch(1024), strict=False)), dict(zip(("x", "y"), memory, strict=False))


def strategy_loop(name: str, current: dict, memory: dict, args: argparse.Namespace, device: str):
    """A function running ``steps`` training steps of strategy ``name`` and returning their seconds."""
    trainer = make_trainer(STRATEGIES[name], args, device)
    trainer.memory.add_batch(memory)
    trainer.collector.collect_batch(current)

    def run(steps: int) -> float:
        trainer.config.max_iter = steps
        return trainer.episode()["train_seconds"]

    return run


def plain_loop(current: dict, args: argparse.Namespace, device: str):
    """The same, hand-written: random batch, forward, cross-entropy, backward, Adam step."""
    model = DigitsCNN(seed=args.seed).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.as_tensor(current["x"], dtype=torch.float32, device=device)
    y = torch.as_tensor(current["y"], device=device)
    generator = torch.Generator().manual_seed(args.seed)

    def run(steps: int) -> float:
        start = time.perf_counter()
        for _ in range(steps):
            index = torch.randint(len(y), (BATCH,), generator=generator).to(device)
            loss = F.cross_entropy(model(x[index]), y[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        return time.perf_counter() - start

    return run


def throughput(args: argparse.Namespace, device: str, repeats: int = 3) -> pd.DataFrame:
    """Best steps/s of each loop over ``repeats`` rounds; the loops take turns within a round, so a
    load that comes and goes on a shared machine hits them alike."""
    current, memory = fixed_data(args)
    loops = {"plain PyTorch": plain_loop(current, args, device),
             **{name: strategy_loop(name, current, memory, args, device) for name in STRATEGIES}}
    for run in loops.values():
        run(10)  # warm-up: first calls, allocations
    seconds: dict[str, list[float]] = {name: [] for name in loops}
    for _ in range(repeats):
        for name, run in loops.items():
            seconds[name].append(run(args.throughput_steps))
    rate = {name: args.throughput_steps / min(times) for name, times in seconds.items()}
    plain = rate["plain PyTorch"]
    return pd.DataFrame([{"loop": name, "steps_per_s": r, "ratio": r / plain} for name, r in rate.items()])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--angles", default="0,60,120,180", help="rotation of each regime, degrees")
    parser.add_argument("--regime-length", type=int, default=4, help="update steps per regime")
    parser.add_argument("--max-iter", type=int, default=200, help="training steps per episode")
    parser.add_argument("--detector", default="PageHinkley", choices=list(DETECTORS))
    parser.add_argument("--adapt-delay", type=int, default=0,
                        help="batches collected after an alarm before the episode")
    parser.add_argument("--throughput-steps", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    args = parser.parse_args()
    args.angles = [float(a) for a in args.angles.split(",")]
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"rotated_digits, angles {args.angles}, {args.regime_length} steps per regime, {args.detector}, "
          f"episodes of {args.max_iter} steps {args.adapt_delay} batches after an alarm, seed {args.seed}; "
          f"torch {torch.__version__}, "
          f"{torch.get_num_threads()} CPU threads")
    devices = ["cpu"] + (["auto"] if torch.cuda.is_available() else [])
    for device in devices:
        quality = pd.DataFrame([quality_run(name, args, device) for name in STRATEGIES])
        print(f"\nQuality, device {device!r} -> {quality['device'].iloc[0]}")
        print(quality.drop(columns="device").to_string(index=False, float_format="{:.3f}".format))
        print("forget_aval: Avalanche's forgetting, mean_{j<t} R[j,j] − R[t,j] (= −bwt); forget_chaudhry: "
              "Chaudhry et al. 2018's, mean_{j<t} max_{j<=l<t} R[l,j] − R[t,j]")
        print(f"\nThroughput (training steps/s, batch {BATCH}), device {device!r}")
        table = throughput(args, "cuda" if device == "auto" else "cpu")
        print(table.to_string(index=False, float_format="{:.2f}".format))
    if not torch.cuda.is_available():
        print("\nGPU: not available, not run")


if __name__ == "__main__":
    main()
