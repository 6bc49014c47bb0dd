"""Dashboard arrivals against a trivial page: first render, many users at once, plain GETs, switching.

One ``panel serve`` process serves ``dashboard/app.py`` (or ``--app``, e.g. an older app script to
compare) and ``benchmarks/trivial_page.py`` (the same template around one Markdown pane); headless
Chromium (Debian's, through Playwright) opens them. Each figure is a ratio against its baseline
measured in the same run, min / median / max over ``--rounds`` rounds:

* **server start**: starting ``panel serve`` until its first answer (Bokeh runs the app script
  once for it), serving the dashboard ÷ serving the trivial page alone. Goal < 5 s idle.
* **first render**: navigation until the dashboard shows its run status (its views built), and
  until its frame is up (the template rendered), each ÷ navigation until the trivial page shows
  its text. Goal: views ≤ 2× the trivial page.
* **arrivals**: ``--arrivals`` pages (fresh contexts) navigate at once; the last one's time to its
  views ÷ one arrival's (the first render of this round). Goal ≤ 3×. The same for the trivial
  page shows what the machine itself allows (the browser renders every page on the same cores).
* **plain GETs**: ``--gets`` concurrent ``GET /app`` requests (link previews, health checks, the
  first request of each arrival) without a browser; the slowest ÷ one lone GET.
* **switching scenario**: in one page, "Load" of another built-in ÷ "Load" of the current one,
  each after one batch of the run, from the click until the page shows the new run ("0 batches")
  and its websocket has then been quiet for 1 s (the page is redrawn).
  Goal ≤ 2×.

    python benchmarks/dashboard_load.py [--rounds 3] [--arrivals 16] [--gets 20] [--app dashboard/app.py]

The 1-minute load average is printed with each round; nothing here is an assertion.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from panel_browser import APP_READY_JS, CHROMIUM, CHROMIUM_ARGS, PanelServer

TRIVIAL = ROOT / "benchmarks" / "trivial_page.py"
VIEWPORT = {"width": 1400, "height": 900}
TIMEOUT_MS = 600_000
SCENARIOS = ("time_series_drift", "detector_comparison")  # the page starts on the first


class TwoApps(PanelServer):
    """One ``panel serve`` process serving the dashboard (or ``app``) and the trivial page."""

    @property
    def command(self) -> list[str]:
        command = super().command
        at = command.index(self.app) + 1
        return [*command[:at], str(TRIVIAL), *command[at:]]

    @property
    def trivial_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{TRIVIAL.stem}"


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def spread(values: list[float]) -> str:
    return f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f}"


async def first_render(browser, url: str, selector: str, frame: bool = False) -> tuple[float, float]:
    """Seconds from navigation until ``selector`` is visible (and, with ``frame``, until the template
    was rendered, its loading overlay gone: ``APP_READY_JS``)."""
    context = await browser.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    started = time.perf_counter()
    await page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
    framed = float("nan")
    if frame:
        await page.wait_for_function(APP_READY_JS, timeout=TIMEOUT_MS, polling=50)
        framed = time.perf_counter() - started
    await page.locator(selector).first.wait_for(state="visible", timeout=TIMEOUT_MS)
    views = time.perf_counter() - started
    await context.close()
    return views, framed


async def arrivals(browser, url: str, n: int, selector: str = ".dl-run-status") -> list[float]:
    """Each of ``n`` pages' seconds to ``selector`` (the dashboard's views), all navigating at once."""
    return [views for views, _ in await asyncio.gather(*(first_render(browser, url, selector) for _ in range(n)))]


def plain_gets(url: str, n: int) -> tuple[float, list[float]]:
    """One lone GET's seconds, then each of ``n`` concurrent GETs' seconds."""
    def get(_: int) -> float:
        started = time.perf_counter()
        with urllib.request.urlopen(url, timeout=TIMEOUT_MS / 1000) as response:
            response.read()
        return time.perf_counter() - started

    lone = get(0)
    with ThreadPoolExecutor(n) as pool:
        return lone, list(pool.map(get, range(n)))


async def switching(browser, url: str) -> tuple[float, float]:
    """Seconds to load another built-in, and to load the current one again, until the page is quiet."""
    context = await browser.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    last_frame = [time.perf_counter()]

    def touch(*_) -> None:
        last_frame[0] = time.perf_counter()

    page.on("websocket", lambda ws: (ws.on("framereceived", touch), ws.on("framesent", touch)))
    await page.goto(url, timeout=TIMEOUT_MS)
    await page.locator(".dl-run-status").first.wait_for(state="visible", timeout=TIMEOUT_MS)

    status = page.locator(".dl-run-status")

    async def load_builtin(name: str) -> float:
        # one batch first, so that the page shows when the load has replaced the run: "0 batches"
        await page.locator(".dl-run-step button").click()
        await status.filter(has_text=" 1 batches").wait_for(timeout=TIMEOUT_MS)
        await page.locator(".dl-builtin-select select").select_option(name)
        await quiet(page, last_frame)
        clicked = time.perf_counter()
        await page.locator(".dl-builtin-load button").click()
        await status.filter(has_text=" 0 batches").wait_for(timeout=TIMEOUT_MS)
        await page.locator(".dl-scenario-about").filter(has_text=name).wait_for(timeout=TIMEOUT_MS)
        await quiet(page, last_frame)
        return last_frame[0] - clicked

    other = await load_builtin(SCENARIOS[1])
    again = await load_builtin(SCENARIOS[1])
    await context.close()
    return other, again


async def quiet(page, last_frame: list[float], seconds: float = 1.0) -> None:
    while time.perf_counter() - last_frame[0] < seconds:
        await page.wait_for_timeout(100)


async def run(args, server: TwoApps) -> None:
    from playwright.async_api import async_playwright

    renders, frames, crowds, trivial_crowds, gets, switches = [], [], [], [], [], []
    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        await first_render(browser, server.url, ".dl-run-status")  # warm: imports, first compilations
        for round_ in range(args.rounds):
            trivial, _ = await first_render(browser, server.trivial_url, ".dl-trivial")
            views, frame = await first_render(browser, server.url, ".dl-run-status", frame=True)
            crowd = await arrivals(browser, server.url, args.arrivals)
            trivial_crowd = await arrivals(browser, server.trivial_url, args.arrivals, ".dl-trivial")
            lone, many = await asyncio.to_thread(plain_gets, server.url, args.gets)
            other, again = await switching(browser, server.url)
            renders.append(views / trivial)
            frames.append(frame / trivial)
            crowds.append(max(crowd) / views)
            trivial_crowds.append(max(trivial_crowd) / trivial)
            gets.append(max(many) / lone)
            switches.append(other / again)
            print(f"round {round_} (load {load()}): trivial page {trivial:.2f} s, dashboard frame {frame:.2f} s, "
                  f"views {views:.2f} s; {args.arrivals} arrivals: last {max(crowd):.1f} s, median "
                  f"{statistics.median(crowd):.1f} s (the trivial page's last {max(trivial_crowd):.1f} s); "
                  f"GET alone {lone:.2f} s, slowest of {args.gets} "
                  f"{max(many):.2f} s; load another built-in {other:.2f} s, the current one {again:.2f} s",
                  flush=True)
        await browser.close()
    print(f"\nratios, min / median / max over {args.rounds} rounds:")
    print(f"  first render, views ÷ trivial page:           {spread(renders)}   (goal ≤ 2)")
    print(f"  first render, frame ÷ trivial page:           {spread(frames)}")
    print(f"  {args.arrivals} arrivals at once, last ÷ one arrival:    {spread(crowds)}   (goal ≤ 3)")
    print(f"  the same for the trivial page (this machine's own limit): {spread(trivial_crowds)}")
    print(f"  {args.gets} plain GETs at once, slowest ÷ one GET:   {spread(gets)}")
    print(f"  load another built-in ÷ load the current one: {spread(switches)}   (goal ≤ 2)")


def first_answers(app: str, rounds: int) -> None:
    """Start ``panel serve`` on the trivial page alone and on the dashboard, alternately, ``rounds`` times."""
    ratios = []
    for round_ in range(rounds):
        seconds = []
        for served in (str(TRIVIAL), app):
            server = PanelServer(Path(tempfile.mkdtemp(prefix="driftlab-start-")) / "panel-serve.log", app=served)
            started = time.perf_counter()
            server.start(timeout=600)
            seconds.append(time.perf_counter() - started)
            server.stop()
        ratios.append(seconds[1] / seconds[0])
        print(f"start {round_} (load {load()}): first answer of the trivial page {seconds[0]:.1f} s, "
              f"of the dashboard {seconds[1]:.1f} s", flush=True)
    print(f"  server start, dashboard ÷ trivial page:       {spread(ratios)}\n", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--arrivals", type=int, default=16)
    parser.add_argument("--gets", type=int, default=20)
    parser.add_argument("--app", default="dashboard/app.py", help="the dashboard script to serve")
    args = parser.parse_args()
    print(f"dashboard arrivals: {os.cpu_count()} CPUs, load {load()}, app {args.app}")
    first_answers(args.app, args.rounds)
    server = TwoApps(Path(tempfile.mkdtemp(prefix="driftlab-load-")) / "panel-serve.log", app=args.app)
    started = time.perf_counter()
    server.start(timeout=600)
    print(f"panel serve answered in {time.perf_counter() - started:.1f} s (log {server.log_path})")
    try:
        asyncio.run(run(args, server))
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
