"""Plumbing for driving the served dashboard in headless Chromium (tests/browser and benchmarks/dashboard.py).

No pytest here: :class:`PanelServer` runs ``panel serve dashboard/app.py`` as a subprocess on a free
local port and keeps its log; :func:`launch_browser` starts Debian's Chromium through Playwright
(Playwright's own browser download does not work on these machines); :class:`RequestGuard` lets only
requests to the local server through, aborting and recording everything else, and records failed
requests, console errors and uncaught page errors, so that a page that would need the internet, or
that breaks in the browser, fails its test instead of hanging or passing.
"""
from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
APP = "dashboard/app.py"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
INSTALL_HINT = "run `bash scripts/install.sh --test` (Debian chromium at /usr/bin/chromium and Python playwright)"


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    """In the server's process before exec: SIGTERM it when its parent dies (no orphan servers when
    pytest or the benchmark is killed)."""
    import ctypes

    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class ServerProcess:
    """A server in a subprocess on a free local port, its log (stdout and stderr) in a file: started
    until ``ready_url`` answers 200, stopped by its own pid. Subclasses give ``command`` (and may
    change ``cwd``, ``env``, ``ready_url`` and ``stop_signal``)."""

    name = "the server"
    stop_signal = signal.SIGINT  # Tornado shuts down cleanly on it

    def __init__(self, log_path: Path, port: int | None = None):
        self.port = port or free_port()
        self.log_path = Path(log_path)
        self.process: subprocess.Popen | None = None

    @property
    def command(self) -> list[str]:
        raise NotImplementedError

    @property
    def ready_url(self) -> str:
        raise NotImplementedError

    @property
    def cwd(self) -> Path:
        return ROOT

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "PYTHONUNBUFFERED": "1"}

    def start(self, timeout: float = 90.0):
        """Start the server and wait until ``ready_url`` answers 200; returns the server."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "wb")  # noqa: SIM115  (the server inherits it; closed here once started)
        self.process = subprocess.Popen(self.command, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT,
                                        env=self.env, preexec_fn=_die_with_parent if sys.platform == "linux" else None)
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.ready_url, timeout=30) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.ready_url} did not answer within {timeout:.0f} s:\n{self.log()}")
            time.sleep(0.25)

    def stop(self, wait: float = 20.0) -> None:
        """Stop the server by its own pid: ``stop_signal``, then SIGKILL after ``wait`` seconds."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        os.kill(process.pid, self.stop_signal)
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def log(self, since: int = 0) -> str:
        """The server's log from byte ``since`` on."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(since)
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0


class PanelServer(ServerProcess):
    """``panel serve dashboard/app.py --port P --address 127.0.0.1`` in a subprocess, its log in a file."""

    name = "panel serve"

    def __init__(self, log_path: Path, app: str = APP, port: int | None = None, extra_args: tuple[str, ...] = ()):
        super().__init__(log_path, port)
        self.app = app
        self.url = f"http://127.0.0.1:{self.port}/{Path(app).stem}"
        self.extra_args = tuple(extra_args)

    @property
    def command(self) -> list[str]:
        return [sys.executable, "-m", "panel", "serve", self.app, "--port", str(self.port),
                "--address", "127.0.0.1", "--allow-websocket-origin", f"127.0.0.1:{self.port}", *self.extra_args]

    @property
    def ready_url(self) -> str:
        return self.url  # one session is built for that answer

    @property
    def env(self) -> dict[str, str]:
        return {**super().env, "BOKEH_RESOURCES": "server"}


_LOG_ENTRY = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ ", re.MULTILINE)
# a traceback, a logged ERROR, a failed app, or a Bokeh validation error ("E-1001 (BAD_COLUMN_NAME): ...")
_ERROR = re.compile(r"Traceback \(most recent call last\)|\bERROR\b|Error running application handler|Exception"
                    r"|\bE-\d{4} \([A-Z_]+\)")
# Tornado's complaint when the server writes to a websocket the browser has just closed (a page
# closed while the session's periodic sync still runs), and Bokeh's when a closed page's last
# messages arrive after its session was discarded (``assert self._session is not None`` in
# bokeh/server/connection.py): teardown races of the server, not errors of the app.
_CLOSED_SOCKET = re.compile(r"WebSocketClosedError|StreamClosedError|assert self\._session is not None")


def server_errors(log: str) -> list[str]:
    """The entries of a ``panel serve`` log that report an error (a traceback, ERROR, a failed handler,
    a Bokeh validation error)."""
    starts = [m.start() for m in _LOG_ENTRY.finditer(log)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    entries = [log[a:b] for a, b in zip(starts, [*starts[1:], len(log)], strict=False)]
    return [e.strip() for e in entries if _ERROR.search(e) and not _CLOSED_SOCKET.search(e)]


def launch_browser(playwright):
    """Debian's Chromium, headless, through Playwright."""
    if not os.path.exists(CHROMIUM):
        raise RuntimeError(f"no {CHROMIUM}: {INSTALL_HINT}")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.scheme in ("http", "https", "ws", "wss") and (parts.hostname or "") in LOCAL_HOSTS | {"::1"}


class RequestGuard:
    """Watches one browser context: aborts and records non-local requests; records failures and errors.

    ``problems()`` lists them as readable lines; a clean page has none.
    """

    # Chromium reports these when a page is closed or navigates away mid-request: not the app's fault.
    BENIGN_FAILURES = ("net::ERR_ABORTED",)

    def __init__(self, context):
        self.context = context
        self.external: list[str] = []
        self.failed: list[str] = []
        self.bad_status: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.console: list[str] = []
        self.closing = False
        context.route("**/*", self._route)
        context.on("page", self.watch)
        for page in context.pages:
            self.watch(page)

    def _route(self, route):
        url = route.request.url
        if is_local(url):
            route.continue_()
        else:
            self.external.append(f"{route.request.method} {url}")
            route.abort("blockedbyclient")

    def watch(self, page) -> None:
        page.on("requestfailed", self._failed)
        page.on("response", self._response)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.page_errors.append(f"{error}"))

    def _failed(self, request) -> None:
        url = request.url
        failure = request.failure or ""
        if not is_local(url):
            return  # recorded as external already
        if self.closing and any(benign in failure for benign in self.BENIGN_FAILURES):
            return
        self.failed.append(f"{request.method} {url}: {failure}")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.bad_status.append(f"{response.request.method} {response.url}: HTTP {response.status}")

    def _console(self, message) -> None:
        line = f"[{message.type}] {message.text}"
        self.console.append(line)
        if message.type == "error":
            self.console_errors.append(line)

    def problems(self) -> list[str]:
        lines = [f"external request (blocked): {x}" for x in self.external]
        lines += [f"failed request: {x}" for x in self.failed]
        lines += [f"error response: {x}" for x in self.bad_status]
        lines += [f"console error: {x}" for x in self.console_errors]
        lines += [f"page error: {x}" for x in self.page_errors]
        return lines


# Bokeh has rendered the document, and the page template's loading overlay (panel_material_ui's
# #loader, shown until the root view is idle) is gone, so the page takes clicks.
APP_READY_JS = """() => window.Bokeh !== undefined && Bokeh.documents.length > 0 && Bokeh.index !== undefined
    && Object.keys(Bokeh.index).length > 0
    && (document.getElementById('loader') === null
        || getComputedStyle(document.getElementById('loader')).display === 'none')"""


def wait_for_app(page, timeout: float = 60_000, server: PanelServer | None = None, log_start: int = 0) -> None:
    """Wait until Bokeh has rendered the served document into the page and the loading overlay is gone.

    With ``server``, stop waiting as soon as its log (from ``log_start``) says the app failed to build.
    """
    deadline = time.monotonic() + timeout / 1000
    while True:
        try:
            page.wait_for_function(APP_READY_JS, timeout=1000)
            return
        except Exception as err:  # playwright's TimeoutError
            if "Timeout" not in type(err).__name__:
                raise
        if server is not None and "Error running application handler" in server.log(log_start):
            raise RuntimeError("the app failed to build:\n" + server.log(log_start)[-6000:])
        if time.monotonic() > deadline:
            raise TimeoutError(f"the app did not render within {timeout / 1000:.0f} s")


def open_app(context, server: PanelServer, ready_selector: str | None = None, timeout: float = 60_000):
    """A new page in ``context`` on the served app, rendered (and showing ``ready_selector`` when given)."""
    log_start = server.log_size()
    page = context.new_page()
    page.set_default_timeout(timeout)
    page.goto(server.url, wait_until="load", timeout=timeout)
    wait_for_app(page, timeout, server, log_start)
    # the dashboard's frame comes first, its views once built (dashboard/app.py)
    page.locator(".dl-loading").wait_for(state="detached", timeout=timeout)
    if ready_selector:
        page.locator(ready_selector).first.wait_for(state="visible", timeout=timeout)
    return page
