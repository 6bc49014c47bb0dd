"""What checking a dashboard edit costs, as a ratio to building the scenario's tree alone.

For each built-in scenario, one edit of the kind the dashboard makes (a stream parameter redefined
from the current step on), measured in the same run:

- tree: building the sampling tree alone (the baseline of the ratios);
- edit: applying the edit to the live store (``ParameterStore.edit``), the edit itself;
- build all: building every part, model included, which is what validating an edit cost before
  (each edit constructed a whole ``Scenario``, and its constructor built the experiment);
- schema: checking the whole edited scenario against the schema (``Scenario(spec)`` now);
- edit check: checking only what the edit touches (``Scenario.edited``, what the dashboard does).

Each is timed ``--runs`` times; min/median/max in milliseconds, and the ratios to the tree of the
medians and of the minimums (on a shared machine the minimums are the steadier).

    python benchmarks/validation.py [--runs 15]
"""
from __future__ import annotations

import argparse
import copy
import os
import statistics
import time
from collections.abc import Callable

from driftlab.library import SCENARIOS
from driftlab.scenario import Scenario, params_to_spec


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    """Seconds of each of ``runs`` calls of ``fn`` (after one untimed call)."""
    fn()
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def an_edit(scenario: Scenario) -> tuple[str, dict, dict]:
    """A parameter edit as the dashboard's schedule editor makes it: ``(name, definition, edited spec)``."""
    store = scenario.build_tree().params
    name = next(n for n in store.names if not n.endswith(".probs") and isinstance(store[n].value, float))
    definition = {"schedule": [store[name].value, store[name].value * 1.5 + 0.1]}
    edited = store[name].edited(store.update_step, definition)
    return name, definition, params_to_spec(store | edited)


def measure(name: str, runs: int) -> dict[str, list[float]]:
    scenario = SCENARIOS[name]()
    parameter, definition, parameters = an_edit(scenario)
    spec = {**scenario.spec, "parameters": parameters}

    def edit() -> None:
        store = copy.deepcopy(live)  # a fresh store each time: an edit is applied once
        store.edit(parameter, definition)

    live = scenario.build_tree().params
    checked = Scenario(spec)
    copying = timed(lambda: copy.deepcopy(live), runs)  # taken off the edit's times below
    applied = timed(edit, runs)
    return {
        "tree": timed(scenario.build_tree, runs),
        "edit": [max(a - c, 0.0) for a, c in zip(sorted(applied), sorted(copying), strict=True)],
        "build all": timed(lambda: checked.build(threads=1), runs),
        "schema": timed(lambda: Scenario(spec), runs),
        "edit check": timed(lambda: scenario.edited("parameters", parameters), runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}; {args.runs} runs each; ms min/median/max; "
          "ratios to the tree of the medians and of the minimums")
    for name in SCENARIOS:
        times = measure(name, max(args.runs, 3))
        base, floor = statistics.median(times["tree"]), min(times["tree"])
        print(f"\n{name}")
        for what, seconds in times.items():
            ms = [1e3 * s for s in seconds]
            print(f"  {what:<11} {min(ms):8.3f} {statistics.median(ms):8.3f} {max(ms):8.3f}   "
                  f"vs tree: medians {statistics.median(seconds) / base:7.2f}  minimums {min(seconds) / floor:7.2f}")
        before, after = times["build all"], times["edit check"]
        edit = max(statistics.median(times["edit"]), 1e-9)
        print(f"  edit validation before -> after: {statistics.median(before) / base:.2f}x -> "
              f"{statistics.median(after) / base:.2f}x the tree by medians, {min(before) / floor:.2f}x -> "
              f"{min(after) / floor:.2f}x by minimums ({statistics.median(before) / edit:.0f}x -> "
              f"{statistics.median(after) / edit:.0f}x the edit itself)")


if __name__ == "__main__":
    main()
