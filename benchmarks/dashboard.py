"""Dashboard latency in a real browser, and the README's screenshots.

Serves ``dashboard/app.py`` with ``panel serve`` on a free local port and drives it in headless
Chromium (Debian's, through Playwright: ``bash scripts/install.sh --test`` installs both), then
measures, in the page, from the input event to the animation frame after the page shows the result:

* **edit → preview**: typing a new schedule for ``background.offset`` until the preview plot holds
  the new timeline (the server parses the edit, recomputes the timeline, sends the new data);
  target < 200 ms.
* **slider echo**: moving the samples' Player slider until the page shows the new step's samples
  (the server draws the step's samples and retitles them); target < 300 ms *while a retraining
  episode runs* (episodes of 600 training steps, set in the page), against the same echo with
  nothing running, measured in the same run (the ratio is the cost of training on the page's
  responsiveness).

Then it runs the stream to its end (a drift alarm comes on ``time_series_drift``) and saves
screenshots: ``assets/dashboard.png`` (the run at 1400 x 900, for the README),
``assets/dashboard_wide.png`` (the same at 1920 x 1080), ``assets/dashboard_start.png`` (the page before
a run) and ``assets/dashboard_{schedule_editor,samples,drift,training}.png``.

    python benchmarks/dashboard.py [--edits 20] [--echoes 20] [--no-screenshots]

The figures depend on the machine and on what else runs on it: the load average is printed
before and after. Nothing here is an assertion.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from dashboard_page import Dashboard
from panel_browser import PanelServer, RequestGuard, launch_browser, open_app, server_errors

TARGET_EDIT_MS = 200
TARGET_ECHO_MS = 300
VIEWPORT = {"width": 1400, "height": 900}  # the run is one screen at this size
WIDE = {"width": 1920, "height": 1080}
PREVIEW_PROBE = "() => window.__dlPlots('dl-preview')[0].sources.find(d => 'value' in d).value"
TITLE_PROBE = "() => window.__dlText('dl-samples-title')"
RUNNING_JS = r"t => /^Episode [1-9]\d* running: step \d+ of/.test(t)"
TRAINING_STEPS = 600  # per episode while the slider echo is timed


class WebSocketActivity:
    """When the page last sent or received a websocket frame."""

    def __init__(self, page):
        self.last = time.monotonic()
        page.on("websocket", self._watch)

    def _watch(self, ws) -> None:
        ws.on("framesent", self._touch)
        ws.on("framereceived", self._touch)

    def _touch(self, *args) -> None:
        self.last = time.monotonic()

    def settle(self, page, quiet_s: float = 1.0, timeout_s: float = 60.0) -> None:
        """Wait until no frame has moved for ``quiet_s`` (the page and the server are idle)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() - self.last < quiet_s and time.monotonic() < deadline:
            page.wait_for_timeout(100)


def stats(samples: list[float]) -> tuple[float, float]:
    return float(np.median(samples)), float(np.percentile(samples, 95))


def line(name: str, samples: list[float], target: float | None = None) -> str:
    median, p95 = stats(samples)
    verdict = ""
    if target is not None:
        verdict = (f"  target < {target:.0f} ms: median {'met' if median < target else 'MISSED'}, "
                   f"p95 {'met' if p95 < target else 'MISSED'}")
    return f"{name:<42} n={len(samples):>3}  median {median:7.1f} ms  p95 {p95:7.1f} ms{verdict}"


def measure_edits(dash: Dashboard, activity: WebSocketActivity, n: int) -> list[float]:
    """ms from typing a schedule to the redrawn preview, ``n`` times (after two warm-up edits)."""
    page, times = dash.page, []
    for i in range(n + 2):
        text = f"[0.0, {0.01 * (i + 1):.2f}, {0.3 + 0.01 * i:.2f}]"
        ms = dash.timed_input(".dl-schedule textarea", text, PREVIEW_PROBE)
        if ms is None:
            raise RuntimeError(f"the preview did not change within 20 s after typing {text}")
        if i >= 2:
            times.append(ms)
        activity.settle(page, 0.3)
    return times


def echo(dash: Dashboard, value: int) -> float:
    ms = dash.timed_input(".dl-player input[type=range]", str(value), TITLE_PROBE)
    if ms is None:
        raise RuntimeError(f"the samples did not show step {value} within 20 s")
    return ms


def measure_echo_idle(dash: Dashboard, activity: WebSocketActivity, n: int) -> list[float]:
    times = []
    for i in range(n + 2):
        ms = echo(dash, 1 + (i % 19))
        if i >= 2:
            times.append(ms)
        activity.settle(dash.page, 0.3)
    return times


def measure_echo_training(dash: Dashboard, n: int, timeout_s: float = 300.0) -> tuple[list[float], int]:
    """Slider echoes taken while an episode trains (episodes are started as needed); and how many ran."""
    page, times, episodes, i = dash.page, [], 0, 0
    deadline = time.monotonic() + timeout_s
    while len(times) < n and time.monotonic() < deadline:
        if "retraining" not in dash.text("dl-run-status"):
            dash.show("Run")
            page.locator(".dl-train-start button").click()
            dash.wait_for_text("dl-train-status", RUNNING_JS, timeout=60_000)
            dash.show("Samples")
            episodes += 1
        ms = echo(dash, 1 + (i % 19))
        i += 1
        if "retraining" in dash.text("dl-run-status"):  # still training when the echo came
            times.append(ms)
        page.wait_for_timeout(150)
    return times, episodes


def set_max_iter(dash: Dashboard, steps: int) -> None:
    """Type the training steps of the next episodes into the episode settings."""
    dash.show("Retraining settings")
    field = dash.page.locator(".dl-setting-max_iter input")
    field.fill(str(steps))
    field.press("Enter")
    dash.page.wait_for_timeout(500)


def union_clip(dash: Dashboard, selectors: list[str], pad: int = 12, full_width: bool = False) -> dict:
    boxes = [dash.page.locator(s).first.bounding_box() for s in selectors]
    boxes = [b for b in boxes if b]
    x0 = min(b["x"] for b in boxes) - pad
    y0 = min(b["y"] for b in boxes) - pad
    x1 = max(b["x"] + b["width"] for b in boxes) + pad
    y1 = max(b["y"] + b["height"] for b in boxes) + pad
    if full_width:
        x1 = dash.page.viewport_size["width"]
    return {"x": max(0, x0), "y": max(0, y0), "width": x1 - max(0, x0), "height": y1 - max(0, y0)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--echoes", type=int, default=20)
    parser.add_argument("--no-screenshots", action="store_true")
    parser.add_argument("--assets", type=Path, default=ROOT / "assets")
    args = parser.parse_args()

    from playwright.sync_api import expect, sync_playwright

    print(f"driftlab dashboard benchmark: {os.cpu_count()} CPUs, load average before "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    log = Path(tempfile.mkdtemp(prefix="driftlab-bench-")) / "panel-serve.log"
    server = PanelServer(log)
    started = time.perf_counter()
    server.start()
    print(f"panel serve answered in {time.perf_counter() - started:.1f} s ({server.url}, log {log})")
    try:
        with sync_playwright() as driver:
            browser = launch_browser(driver)
            context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
            guard = RequestGuard(context)
            started = time.perf_counter()
            page = open_app(context, server)
            activity = WebSocketActivity(page)  # from here on
            print(f"page ready (rendered, loading overlay gone) in {time.perf_counter() - started:.1f} s")
            dash = Dashboard(page)
            activity.settle(page, 1.5)

            if not args.no_screenshots:
                args.assets.mkdir(exist_ok=True)
                page.screenshot(path=args.assets / "dashboard_start.png")  # before a run: the hints
            dash.show("Schedule editor")
            edits = measure_edits(dash, activity, args.edits)
            if not args.no_screenshots:
                page.screenshot(path=args.assets / "dashboard_schedule_editor.png",
                                clip=union_clip(dash, [".dl-parameter-select", ".dl-apply-edit", ".dl-preview"]))
            dash.show("Samples")
            idle = measure_echo_idle(dash, activity, args.echoes)

            page.locator(".dl-run-step button").click()  # pretrains, so that an episode has data
            expect(page.locator(".dl-run-status")).to_contain_text("1 batches", timeout=120_000)
            activity.settle(page, 1.0)
            set_max_iter(dash, TRAINING_STEPS)  # episodes of seconds: echoes all through an episode
            training, episodes = measure_echo_training(dash, args.echoes)
            dash.show("Run")
            dash.wait_for_text("dl-train-status", "t => /finished/.test(t)", timeout=120_000)
            set_max_iter(dash, 60)  # the scenario's own, for the run below
            activity.settle(page, 1.0)

            print()
            print(line("edit -> redrawn preview", edits, TARGET_EDIT_MS))
            print(line("slider echo, nothing running (baseline)", idle))
            if training:
                print(line(f"slider echo during training ({episodes} episodes)", training, TARGET_ECHO_MS))
                print(f"{'echo during training / baseline':<42} median x{stats(training)[0] / stats(idle)[0]:.2f}"
                      f"  p95 x{stats(training)[1] / stats(idle)[1]:.2f}")
            else:
                print("slider echo during training: no echo came back while an episode was running")

            if not args.no_screenshots:
                dash.show("Run")
                page.screenshot(path=args.assets / "dashboard_training.png",
                                clip=union_clip(dash, [".dl-train-start", ".dl-accuracy-matrix", ".dl-loss"]))
                dash.show("Samples")
                page.screenshot(path=args.assets / "dashboard_samples.png",
                                clip=union_clip(dash, [".dl-player", ".dl-samples-title", ".dl-samples",
                                                     ".dl-label-distribution"]))
                dash.select_parameter("classes.probs")  # a clean form (the edits above were never applied)
                dash.show("Run")
                # at the page's own speed (5 batches/s): an episode ends a few batches after its alarm
                page.locator(".dl-run-start button").click()
                dash.wait_for_column("dl-drift-metric", "detector", "v => v.length > 0", timeout=120_000)
                expect(page.locator(".dl-run-status")).to_contain_text("finished", timeout=120_000)
                # an alarm's retraining episode may still run: let it end, for a settled picture
                dash.wait_for_text("dl-train-status", "t => !/running/.test(t)", timeout=120_000)
                activity.settle(page, 1.5)
                page.screenshot(path=args.assets / "dashboard_drift.png",
                                clip=union_clip(dash, [".dl-drift-metric", ".dl-drift-statistic",
                                                       ".dl-detection-report"]))
                page.screenshot(path=args.assets / "dashboard.png")  # the run, one screen
                page.set_viewport_size(WIDE)
                activity.settle(page, 1.5)
                page.screenshot(path=args.assets / "dashboard_wide.png")
                print(f"\nscreenshots: {', '.join(sorted(p.name for p in args.assets.glob('dashboard*.png')))} "
                      f"in {args.assets}")
            problems = guard.problems()
            guard.closing = True
            context.close()
            browser.close()
    finally:
        server.stop()
    errors = server_errors(server.log())
    print(f"load average after {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for problem in problems:
        print(f"page problem: {problem}")
    for error in errors:
        print(f"server error: {error.splitlines()[0]} ... {error.splitlines()[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
