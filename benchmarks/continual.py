"""Continual learning on drifting digits: strategies × retraining triggers over seeds, and step throughput.

Quality protocol (every rule holds for every row of the table):

1. Data. Two streams of scikit-learn's 8×8 digits, each with ``--test-fraction`` of every digit's
   images held out (``test_fraction``, split by the cell's seed): the stream, so everything
   monitored and trained on, draws train images; evaluation sets are ``held_out`` draws (their
   own seed domain) of test images only. ``rotated``: ``--angles`` rotations, one per regime,
   uniform classes, no noise (domain-incremental). ``class_incremental``: regime r shows digits
   2r and 2r + 1 only, ten outputs throughout (class-incremental, where fine-tuning forgets).
   Each regime lasts ``--regime-length`` steps of ``--batches`` batches of 64.
2. Experiences are the true regimes (``trainer.regime_steps``), not episodes: regime j's
   evaluation set (``--eval-samples`` held-out samples at its first step) is the same for every
   strategy and trigger of a seed. R[t, j] = accuracy on regime j of the model as it is at the end
   of regime t, scored after every episode (:class:`~driftlab.training.Experiences`), so every
   matrix is T × T over the same T regimes.
3. Triggers. ``alarms``: pretrain on the first ``--current`` samples, then an episode
   ``--adapt-delay`` batches after each Page-Hinkley alarm on the batch accuracy. ``oracle``: no
   pretraining; one episode on the last batch of each true regime, so it trains on that regime's
   newest ``--current`` samples (all of the regime: the current buffer holds one regime). ``never``
   (a bound): the pretraining episode only. Every episode runs ``--max-iter`` steps.
4. Seeds. Seed indices 0 .. ``--seeds − 1``; each runs the cell with ``driftlab.sweep.cell_seed``
   (stream, split, model and batch draws all follow it), the same for every strategy and trigger
   (paired). Cells run through the sweep engine (:class:`driftlab.sweep.Sweep`) with one torch
   thread each, on one Dask LocalCluster of ``--workers`` processes.
5. Metrics over the T × T matrix (:mod:`driftlab.training.metrics`): average accuracy
   mean_j R[T−1, j]; forgetting as Chaudhry et al. 2018 define it, mean_{j<T−1} max_{j<=l<T−1}
   R[l, j] − R[T−1, j]; backward transfer mean_{j<T−1} R[T−1, j] − R[j, j] (Lopez-Paz & Ranzato;
   Avalanche's forgetting is its negative). Each is shown as the mean over seeds and its 95 %
   percentile-bootstrap CI (2,000 resamples of the seeds, ``driftlab.sweep.aggregate``).
   ``Δ naive`` is the paired difference of average accuracy from naive under the same trigger
   (same seeds), mean and 95 % bootstrap CI; a CI that excludes 0 separates the two.

Throughput (``--throughput-steps`` > 0): training steps per second of each strategy on the same
fixed data against a plain hand-written PyTorch loop (Adam, cross-entropy, random batches, same
model and batch size), measured in the same run, best of 3 rounds; ratio = strategy / plain.

    python benchmarks/continual.py [--seeds 10] [--streams rotated,class_incremental] [--workers 2]
                                   [--regime-length 2] [--batches 4] [--max-iter 40] [--adapt-delay 4]
                                   [--throughput-steps 0] [--out DIR]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from driftlab.buffers import ClassBalancedBuffer, DataUser, SequentialBuffer
from driftlab.library import class_incremental_digits, rotated_digits
from driftlab.scenario import dump_scenario, scenario_from_tree
from driftlab.sweep import Sweep, aggregate, value_text
from driftlab.training import DigitsCNN, Trainer

STRATEGIES = {  # tuned on rotated digits, seed 0 (an earlier protocol); not retuned here
    "naive": "naive",
    "replay": {"type": "replay", "ratio": 0.5},
    "ewc": {"type": "ewc", "ewc_lambda": 10.0},
    "jvp_reg": {"type": "jvp_reg", "jvp_lambda": 0.001, "deltax_norm": 1.0},  # Apeiron's defaults
    "jvp_lookahead": {"type": "jvp_lookahead", "jvp_lambda": 0.001, "dx_scale": 0.1},
}
TRIGGERS = ("alarms", "oracle", "never")
PAGE_HINKLEY = {"type": "PageHinkley", "min_instances": 5, "threshold": 0.5, "delta": 0.01, "mode": "down"}
BATCH = 64
MODEL = {"channels": [8, 16], "hidden": 32}  # a small DigitsCNN: seconds per cell on a shared CPU
METRICS = {"average_accuracy": "avg acc", "forgetting_chaudhry": "forgetting (Chaudhry)",
           "backward_transfer": "BWT"}


def stream(name: str, args: argparse.Namespace, seed: int = 0):
    """The tree of stream ``name`` (see the module doc) and its number of regimes."""
    if name == "rotated":
        tree = rotated_digits(seed, regime_length=args.regime_length, drift=False, test_fraction=args.test_fraction)
        tree.params["rotate.angle"] = {"schedule": [a for a in args.angles for _ in range(args.regime_length)]}
        return tree, len(args.angles)
    if name == "class_incremental":
        return class_incremental_digits(seed, args.regime_length, test_fraction=args.test_fraction), 5
    raise SystemExit(f"--streams: unknown stream {name!r}; expected rotated, class_incremental")


def monitor_section(trigger: str, args: argparse.Namespace, steps: int) -> dict:
    """The scenario's monitor section for ``trigger`` (rule 3 of the module doc)."""
    common = {"batch_size": BATCH, "batches_per_step": args.batches, "max_steps": steps, "prefetch": False}
    if trigger == "alarms":
        return {**common, "adaptation": "drift", "pretrain_samples": args.current, "adapt_delay": args.adapt_delay}
    if trigger == "oracle":  # one check per batch: the period ends on the last batch of each regime
        return {**common, "adaptation": "periodic", "period": args.regime_length * args.batches,
                "pretrain_samples": 0}
    return {**common, "adaptation": "never", "pretrain_samples": args.current}


def scenario_text(name: str, trigger: str, args: argparse.Namespace) -> str:
    """The YAML of one stream × trigger; the sweep grids the strategy and the seed over it."""
    tree, regimes = stream(name, args)
    steps = regimes * args.regime_length
    scenario = scenario_from_tree(
        tree, name=f"continual_{name}_{trigger}",
        description=f"benchmarks/continual.py: {name} digits, trigger {trigger}",
        detectors={"page_hinkley": PAGE_HINKLEY}, monitor=monitor_section(trigger, args, steps),
        model={"type": "DigitsCNN", **MODEL},
        trainer={"strategy": "naive", "device": "cpu", "threads": 1, "max_iter": args.max_iter, "batch_size": BATCH,
                 "lr": args.lr, "eval_samples": args.eval_samples, "regime_steps": steps},
        buffers={"current": {"type": "SequentialBuffer", "max_size": args.current},
                 "memory": {"type": "ClassBalancedBuffer", "max_size": args.memory}})
    return dump_scenario(scenario)


def run_sweeps(args: argparse.Namespace, out: Path, scheduler: str) -> pd.DataFrame:
    """Every cell of the protocol; one row per cell with ``stream``, ``trigger``, ``strategy`` and the metrics."""
    frames = []
    for name in args.streams:
        for trigger in TRIGGERS:
            names = ["naive"] if trigger == "never" else args.strategies
            sweep = Sweep(scenario_text(name, trigger, args), {"trainer.strategy": [STRATEGIES[s] for s in names]},
                          seeds=f"0-{args.seeds - 1}")
            table = sweep.run(out / f"{name}_{trigger}", scheduler)
            failed = table[table["status"] != "ok"]
            if len(failed):
                raise SystemExit(f"{len(failed)} cells failed, e.g. {failed['error'].iloc[0]}")
            cells = table.drop_duplicates("cell").copy()
            by_text = {value_text(STRATEGIES[s]): s for s in names}
            cells["strategy"] = cells["trainer.strategy"].map(by_text)
            cells["stream"], cells["trigger"] = name, trigger
            cells["cell"] = f"{name}/{trigger}/" + cells["cell"]  # a cell's key is unique within its sweep only
            frames.append(cells)
    return pd.concat(frames, ignore_index=True)


def paired_difference(cells: pd.DataFrame, metric: str, resamples: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Per stream × trigger × strategy: mean over seeds of (strategy − naive) of ``metric`` on the same seed,
    with a 95 % percentile-bootstrap CI (``resamples`` resamples of the seeds)."""
    rng = np.random.default_rng(seed)
    rows = []
    for (name, trigger), group in cells.groupby(["stream", "trigger"], sort=False):
        base = group[group["strategy"] == "naive"].set_index("seed")[metric]
        for strategy, mine in group.groupby("strategy", sort=False):
            diff = (mine.set_index("seed")[metric] - base).dropna().to_numpy(float)
            means = rng.choice(diff, size=(resamples, diff.size)).mean(axis=1)
            low, high = np.quantile(means, [0.025, 0.975])
            rows.append({"stream": name, "trigger": trigger, "strategy": strategy, "diff": diff.mean(),
                         "diff_low": low, "diff_high": high})
    return pd.DataFrame(rows)


def quality_table(cells: pd.DataFrame) -> pd.DataFrame:
    """The printed table: mean [95 % bootstrap CI] per metric, seeds, episodes and alarms per cell."""
    stats = aggregate(cells, ["stream", "trigger", "strategy"], [*METRICS, "episodes"])
    diff = paired_difference(cells, "average_accuracy").set_index(["stream", "trigger", "strategy"])
    rows = []
    for key, group in stats.groupby(["stream", "trigger", "strategy"], sort=False):
        by = group.set_index("metric")
        row = dict(zip(("stream", "trigger", "strategy"), key, strict=True))
        row["seeds"] = int(by.loc["average_accuracy", "n"])
        for metric, label in METRICS.items():
            m = by.loc[metric]
            row[label] = f"{m['mean']:.3f} [{m['ci_low']:.3f}, {m['ci_high']:.3f}]"
        d = diff.loc[key]
        row["Δ naive (avg acc)"] = "" if key[2] == "naive" else \
            f"{d['diff']:+.3f} [{d['diff_low']:+.3f}, {d['diff_high']:+.3f}]"
        row["episodes"] = f"{by.loc['episodes', 'mean']:.1f}"
        rows.append(row)
    return pd.DataFrame(rows)


# -- throughput ------------------------------------------------------------------------------------

def make_trainer(strategy, seed: int) -> Trainer:
    return Trainer(DigitsCNN(seed=seed, **MODEL), strategy, "cpu", max_iter=10, batch_size=BATCH, lr=1e-3, seed=seed,
                   current=DataUser(SequentialBuffer(("x", "y"), 512)),
                   memory=ClassBalancedBuffer(("x", "y"), 2000, label_field="y", seed=seed))


def fixed_data(args: argparse.Namespace):
    """1024 current samples (second rotation) and 2000 memory samples (first rotation), as numpy."""
    tree, _ = stream("rotated", args)
    memory = tree.batch(2000)
    tree.set_update_step(args.regime_length)
    return dict(zip(("x", "y"), tree.batch(1024), strict=True)), dict(zip(("x", "y"), memory, strict=True))


def strategy_loop(name: str, current: dict, memory: dict):
    """A function running ``steps`` training steps of strategy ``name`` and returning their seconds."""
    trainer = make_trainer(STRATEGIES[name], 0)
    trainer.memory.add_batch(memory)
    trainer.collector.collect_batch(current)

    def run(steps: int) -> float:
        trainer.config.max_iter = steps
        return trainer.episode()["train_seconds"]

    return run


def plain_loop(current: dict):
    """The same, hand-written: random batch, forward, cross-entropy, backward, Adam step."""
    model = DigitsCNN(seed=0, **MODEL)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.as_tensor(current["x"], dtype=torch.float32)
    y = torch.as_tensor(current["y"])
    generator = torch.Generator().manual_seed(0)

    def run(steps: int) -> float:
        start = time.perf_counter()
        for _ in range(steps):
            index = torch.randint(len(y), (BATCH,), generator=generator)
            loss = F.cross_entropy(model(x[index]), y[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        return time.perf_counter() - start

    return run


def throughput(args: argparse.Namespace, repeats: int = 3) -> pd.DataFrame:
    """Steps/s of each loop, min / median / max over ``repeats`` rounds (the loops take turns within a
    round, so a load that comes and goes hits them alike); ratio of the medians to the plain loop's."""
    current, memory = fixed_data(args)
    loops = {"plain PyTorch": plain_loop(current),
             **{name: strategy_loop(name, current, memory) for name in args.strategies}}
    for run in loops.values():
        run(10)  # warm-up: first calls, allocations
    rates: dict[str, list[float]] = {name: [] for name in loops}
    for _ in range(repeats):
        for name, run in loops.items():
            rates[name].append(args.throughput_steps / run(args.throughput_steps))
    plain = float(np.median(rates["plain PyTorch"]))
    return pd.DataFrame([{"loop": name, "min": min(r), "median": float(np.median(r)), "max": max(r),
                          "ratio (median)": float(np.median(r)) / plain} for name, r in rates.items()])


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10, help="seed indices 0 .. N-1 per cell")
    parser.add_argument("--streams", default="rotated,class_incremental")
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument("--angles", default="0,60,120,180", help="rotation of each regime of the rotated stream")
    parser.add_argument("--regime-length", type=int, default=2, help="update steps per regime")
    parser.add_argument("--batches", type=int, default=4, help="batches of 64 per update step")
    parser.add_argument("--max-iter", type=int, default=40, help="training steps per episode")
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--current", type=int, default=512, help="current-regime buffer (and pretraining) samples")
    parser.add_argument("--memory", type=int, default=1000, help="class-balanced memory samples")
    parser.add_argument("--eval-samples", type=int, default=300, help="held-out samples per regime")
    parser.add_argument("--test-fraction", type=float, default=0.25, help="share of each digit's images held out")
    parser.add_argument("--adapt-delay", type=int, default=4, help="batches collected after an alarm")
    parser.add_argument("--workers", type=int, default=2, help="Dask worker processes (0: serial, no Dask)")
    parser.add_argument("--throughput-steps", type=int, default=0, help="0: no throughput measurement")
    parser.add_argument("--out", default=None, help="sweep folder (kept; a rerun skips finished cells)")
    args = parser.parse_args(argv)
    args.angles = [float(a) for a in args.angles.split(",")]
    args.streams = args.streams.split(",")
    args.strategies = args.strategies.split(",")
    for name in args.strategies:
        if name not in STRATEGIES:
            parser.error(f"--strategies: unknown strategy {name!r}; expected some of {', '.join(STRATEGIES)}")
    if "naive" not in args.strategies:
        args.strategies.insert(0, "naive")  # the reference of the paired differences
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(1)
    print(f"streams {args.streams}, {args.regime_length} steps x {args.batches} batches of {BATCH} per regime, "
          f"test fraction {args.test_fraction}, episodes of {args.max_iter} steps (lr {args.lr}), "
          f"alarm delay {args.adapt_delay} batches, {args.seeds} seeds; torch {torch.__version__}, 1 thread per cell")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.out) if args.out else Path(tmp)
        if args.workers:
            from distributed import LocalCluster

            with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                              dashboard_address="127.0.0.1:0") as cluster:
                cells = run_sweeps(args, out, cluster.scheduler_address)
        else:
            cells = run_sweeps(args, out, "serial")
    print(f"{len(cells)} cells in {time.perf_counter() - start:.0f} s "
          f"(median {cells['wall_seconds'].median():.1f} s per cell)\n")
    table = quality_table(cells)
    with pd.option_context("display.width", 250, "display.max_columns", 20):
        print(table.to_string(index=False))
    print("\nmean [95 % percentile-bootstrap CI over seeds]. avg acc: mean_j R[T-1,j]; forgetting (Chaudhry): "
          "mean_{j<T-1} max_{j<=l<T-1} R[l,j] - R[T-1,j]; BWT: mean_{j<T-1} R[T-1,j] - R[j,j] (= -Avalanche's "
          "forgetting); R over the true regimes, on held-out test images. Δ naive: paired by seed.")
    if args.throughput_steps:
        print(f"\nThroughput (training steps/s, batch {BATCH}, 1 thread), 3 rounds")
        print(throughput(args).to_string(index=False, float_format="{:.2f}".format))


if __name__ == "__main__":
    main()
