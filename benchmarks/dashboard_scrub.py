"""Scrubbing back through a run in a real browser, against the samples' Player, and the comparison screenshots.

Serves ``dashboard/app.py`` and drives it in headless Chromium (as ``benchmarks/dashboard.py``).
It runs ``time_series_drift`` to its end with replay retraining, saves the run as "replay", runs
it again with naive retraining and overlays the saved run, then measures in the page, from the key
event to the animation frame after the page shows the result:

* **scrub** (the run's "Show step" slider, one arrow key): the samples at the new step drawn and
  retitled, the tree's texts and the drift plots' band moved with them;
* **Player echo** (the baseline: the samples' own Player moved one step): the same samples drawn
  and retitled, nothing else.

Each is taken ``--events`` times per round, in ``--rounds`` rounds that alternate the two; it prints
min/median/max of each, and of the per-round ratio of medians (scrub / echo), with the load average
before and after. Screenshots: ``assets/dashboard_compare.png`` (the drift plots with the saved run
overlaid and a scrubbed step marked) and ``assets/dashboard_compare_sidebar.png`` (the scrubber and
the comparison table).

    python benchmarks/dashboard_scrub.py [--events 10] [--rounds 3] [--no-screenshots]

Nothing here is an assertion.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from dashboard import TITLE_PROBE, VIEWPORT, WebSocketActivity, echo, union_clip
from dashboard_page import Dashboard
from panel_browser import PanelServer, RequestGuard, launch_browser, open_app, server_errors

def run_to_the_end(dash: Dashboard) -> None:
    from playwright.sync_api import expect

    dash.page.locator(".dl-run-start button").click()
    expect(dash.page.locator(".dl-run-status")).to_contain_text("finished", timeout=180_000)
    dash.wait_for_text("dl-train-status", "t => !/running/.test(t)", timeout=120_000)


def scrub(dash: Dashboard, key: str) -> float:
    ms = dash.timed_key(".dl-scrub .noUi-handle", key, TITLE_PROBE)
    if ms is None:
        raise RuntimeError(f"the samples did not follow the scrubber ({key}) within 20 s")
    return ms


def summary(name: str, samples: list[float]) -> str:
    return (f"{name:<34} n={len(samples):>3}  min {min(samples):7.1f}  median {np.median(samples):7.1f}  "
            f"max {max(samples):7.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-screenshots", action="store_true")
    parser.add_argument("--assets", type=Path, default=ROOT / "assets")
    args = parser.parse_args()

    from playwright.sync_api import expect, sync_playwright

    print(f"driftlab scrub benchmark: {os.cpu_count()} CPUs, load average before "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    server = PanelServer(Path(tempfile.mkdtemp(prefix="driftlab-bench-")) / "panel-serve.log")
    server.start()
    try:
        with sync_playwright() as driver:
            browser = launch_browser(driver)
            context = browser.new_context(viewport=VIEWPORT)
            guard = RequestGuard(context)
            page = open_app(context, server)
            activity = WebSocketActivity(page)
            dash = Dashboard(page)
            activity.settle(page, 1.5)

            # at the page's own speed (5 batches/s): an alarm's episode ends, and its weights swap in, while the
            # run goes on (at 50/s the run ends first, and both runs are the same until then)
            run_to_the_end(dash)
            page.locator(".dl-run-name input").fill("replay")
            page.locator(".dl-save-run button").click()
            dash.show("Retraining settings")
            page.locator(".dl-strategy-select select").select_option("naive")
            activity.settle(page, 1.0)
            page.locator(".dl-reset button").click()
            expect(page.locator(".dl-run-status")).to_contain_text("idle", timeout=60_000)
            page.locator(".dl-compare-select select").select_option("replay")
            dash.show("Run")
            run_to_the_end(dash)
            expect(page.locator(".dl-comparison")).to_contain_text("replay")
            handle = page.locator(".dl-scrub .noUi-handle")
            handle.focus()
            handle.press("Home")
            for _ in range(5):
                handle.press("ArrowRight")
            expect(page.locator(".dl-scrub-status")).to_contain_text("Showing step 5")
            activity.settle(page, 1.5)
            if not args.no_screenshots:
                dash.show("Run")
                page.screenshot(path=args.assets / "dashboard_compare.png",
                                clip=union_clip(dash, [".dl-drift-metric", ".dl-drift-statistic"]))
                page.locator(".dl-comparison").scroll_into_view_if_needed()
                page.screenshot(path=args.assets / "dashboard_compare_sidebar.png",
                                clip=union_clip(dash, [".dl-open-sweep", ".dl-comparison", ".dl-compare-select"]))

            dash.show("Samples")
            scrubs: list[float] = []
            echoes: list[float] = []
            ratios = []
            for _ in range(args.rounds):
                mine, base = [], []
                for i in range(args.events + 1):  # the first of each is a warm-up
                    ms = scrub(dash, "ArrowRight" if i % 2 else "ArrowLeft")  # steps 4 and 5
                    activity.settle(page, 0.3)
                    if i:
                        mine.append(ms)
                for i in range(args.events + 1):
                    ms = echo(dash, 6 + i % 2)
                    activity.settle(page, 0.3)
                    if i:
                        base.append(ms)
                scrubs += mine
                echoes += base
                ratios.append(float(np.median(mine) / np.median(base)))
            print()
            print(summary("scrub (samples + tree + band)", scrubs))
            print(summary("Player echo (samples; baseline)", echoes))
            print(f"{'scrub / echo, per-round medians':<34} n={len(ratios):>3}  min x{min(ratios):.2f}  "
                  f"median x{np.median(ratios):.2f}  max x{max(ratios):.2f}")
            problems = guard.problems()
            guard.closing = True
            context.close()
            browser.close()
    finally:
        server.stop()
    print(f"load average after {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for problem in problems:
        print(f"page problem: {problem}")
    for error in server_errors(server.log()):
        print(f"server error: {error.splitlines()[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
