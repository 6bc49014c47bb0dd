"""Notebook 07 in a real JupyterLab, offline: Run All in headless Chromium, then every view is in the page.

A ``jupyter lab`` subprocess (no token, 127.0.0.1, a free port, a temporary root folder holding a copy
of notebooks/07, its own settings: no news feed, no update check, no extension catalogue, every cell
rendered) is driven through Playwright: Run All, then the views' widgets are in the page with no
error in it. The conftest's guard aborts and records every request that leaves 127.0.0.1, so a CDN
fetch fails the test.

Waits poll a condition with generous limits (Run All trains small models: about a minute on 2
cores); nothing is timed.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect
from panel_browser import ROOT, RequestGuard, ServerProcess

pytestmark = pytest.mark.browser

NOTEBOOK = "07_dashboard_widgets.ipynb"
RUN_ALL_TIMEOUT_MS = 480_000
# JupyterLab settings for a machine with no internet: no news feed, no extension catalogue (PyPI), and
# every cell rendered, also off screen (the default renders only the cells in view, so a view far up
# the notebook would not be in the page to check).
SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def base_python_paths(variable: str, folder: str) -> str:
    """``variable`` (JUPYTER_PATH, JUPYTER_CONFIG_PATH) with the base Python's Jupyter ``folder`` added
    when this Python is a venv made with ``--system-site-packages``: packages imported from the base
    Python (pyviz_comms, panel) put their JupyterLab extension and server extension settings under its
    prefix, where Jupyter does not look from a venv."""
    paths = [p for p in os.environ.get(variable, "").split(os.pathsep) if p]
    base = Path(sys.base_prefix) / folder / "jupyter"
    if sys.prefix != sys.base_prefix and base.is_dir() and str(base) not in paths:
        paths.append(str(base))
    return os.pathsep.join(paths)


class JupyterLab(ServerProcess):
    """``jupyter lab`` on a free local port over a temporary folder, its log in a file.

    It offers ``log`` and ``log_size`` as :class:`panel_browser.PanelServer` does, so that the
    browser conftest checks its log (the kernel's stderr included) for errors as it does the
    dashboard server's.
    """

    name = "jupyter lab"
    stop_signal = signal.SIGTERM  # it shuts its kernels down

    def __init__(self, root: Path):
        super().__init__(root / "jupyter-lab.log")
        self.root = root
        self.notebooks = root / "notebooks"
        self.url = f"http://127.0.0.1:{self.port}"

    @property
    def cwd(self) -> Path:
        return self.notebooks

    @property
    def ready_url(self) -> str:
        return f"{self.url}/api/status"

    @property
    def env(self) -> dict[str, str]:
        # nothing from the user's own Jupyter set-up: config, settings, workspaces, runtime files
        return {**super().env, "JUPYTER_CONFIG_DIR": str(self.root / "config"),
                "JUPYTER_RUNTIME_DIR": str(self.root / "runtime"),
                "JUPYTERLAB_SETTINGS_DIR": str(self.root / "lab-settings"),
                "JUPYTERLAB_WORKSPACES_DIR": str(self.root / "workspaces"),
                "JUPYTER_PATH": base_python_paths("JUPYTER_PATH", "share"),
                "JUPYTER_CONFIG_PATH": base_python_paths("JUPYTER_CONFIG_PATH", "etc")}

    @property
    def command(self) -> list[str]:
        return [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
                "--port-retries=0", f"--ServerApp.root_dir={self.notebooks}", "--IdentityProvider.token=",
                "--ServerApp.password=", "--allow-root",
                "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                "--LabApp.extension_manager=readonly",
                # the test reads the notebook's cells and kernel through the page's application object
                "--LabApp.expose_app_in_browser=True"]

    def start(self, timeout: float = 120.0) -> JupyterLab:
        """Copy notebook 07 and the settings into the folder, then start the server."""
        self.notebooks.mkdir(parents=True)
        shutil.copy(ROOT / "notebooks" / NOTEBOOK, self.notebooks / NOTEBOOK)
        for name, values in SETTINGS.items():
            path = self.root / "lab-settings" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values), encoding="utf-8")
        return super().start(timeout)


@pytest.fixture(scope="module")
def panel_server(tmp_path_factory):
    """Here the served thing is JupyterLab, not the dashboard (the conftest checks its log by this name)."""
    lab = JupyterLab(tmp_path_factory.mktemp("jupyterlab"))
    try:
        lab.start()
    except RuntimeError as err:
        pytest.fail(f"could not start jupyter lab (`bash scripts/install.sh --test` installs it): {err}",
                    pytrace=False)
    yield lab
    lab.stop()


# The notebook panel in view, and its kernel.
NOTEBOOK_JS = "window.jupyterapp.shell.currentWidget"
KERNEL_IDLE_JS = """() => {
  const app = window.jupyterapp;
  const nb = app && app.shell.currentWidget;
  const kernel = nb && nb.sessionContext && nb.sessionContext.session && nb.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle' && !nb.sessionContext.pendingInput;
}"""
# Every code cell has run (has an execution count) and the kernel is idle again.
ALL_RAN_JS = f"""() => {{
  const nb = {NOTEBOOK_JS};
  const kernel = nb.sessionContext.session.kernel;
  const cells = nb.content.model.cells;
  for (let i = 0; i < cells.length; i++) {{
    const cell = cells.get(i);
    if (cell.type === 'code' && !cell.executionCount) return false;
  }}
  return kernel.status === 'idle';
}}"""
# [cell index, ename, evalue] of every error output.
ERRORS_JS = f"""() => {{
  const cells = {NOTEBOOK_JS}.content.model.cells;
  const errors = [];
  for (let i = 0; i < cells.length; i++) {{
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    for (let j = 0; j < cell.outputs.length; j++) {{
      const out = cell.outputs.get(j).toJSON();
      if (out.output_type === 'error') errors.push([i, out.ename, out.evalue]);
    }}
  }}
  return errors;
}}"""


@pytest.fixture(scope="module")
def notebook(browser, panel_server):
    """Notebook 07 opened in JupyterLab and run (Run All) in one guarded page."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(60_000)
    guard = RequestGuard(context)
    page = context.new_page()
    page.goto(f"{panel_server.url}/lab/tree/{NOTEBOOK}", wait_until="load", timeout=120_000)
    page.wait_for_function(KERNEL_IDLE_JS, timeout=180_000, polling=500)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(ALL_RAN_JS, timeout=RUN_ALL_TIMEOUT_MS, polling=1000)
    yield page, guard
    guard.closing = True
    context.close()


def test_run_all_renders_every_view_offline(notebook):
    page, guard = notebook
    assert page.evaluate(ERRORS_JS) == []
    for hook in ("dl-parameter-select", "dl-preview", "dl-player", "dl-samples", "dl-drift-metric", "dl-tree",
                 "dl-run-start", "dl-run-step", "dl-run-status"):
        expect(page.locator(f".{hook}").first).to_be_visible(timeout=60_000)
    assert guard.problems() == []
