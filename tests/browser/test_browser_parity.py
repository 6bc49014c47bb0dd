"""A run in the page at full speed equals ``driftlab run`` of the scenario the page exports: the
downloaded history (every alarm, episode and skipped alarm) and accuracy matrix are the CLI's files."""
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PARITY = Path(__file__).resolve().parents[1] / "scenarios" / "parity.yaml"


def downloaded(dash, what: str) -> pd.DataFrame:
    download = dash.download(f"dl-download-{what}")
    assert download.suggested_filename == f"parity_{what}.csv"
    return pd.read_csv(io.BytesIO(Path(download.path()).read_bytes()))


def test_the_page_s_run_at_full_speed_is_the_cli_s_run(dash, tmp_path):
    page = dash.page
    dash.upload(PARITY)
    expect(page.locator(".dl-scenario-about")).to_contain_text("parity", timeout=30_000)
    expect(page.locator(".dl-run-status")).to_contain_text("idle")
    dash.set_speed(50)
    page.locator(".dl-run-start button").click()
    expect(page.locator(".dl-run-status")).to_contain_text("finished", timeout=180_000)
    dash.wait_for_text("dl-train-status", "t => !/running/.test(t)", timeout=180_000)
    page.wait_for_timeout(1000)  # the last sync has reached the page

    scenario = tmp_path / "parity.yaml"
    dash.download().save_as(scenario)
    out = tmp_path / "cli"
    done = subprocess.run([sys.executable, "-m", "driftlab.cli", "run", str(scenario), "--out", str(out), "--quiet"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr

    history = downloaded(dash, "history")
    pd.testing.assert_frame_equal(history, pd.read_csv(out / "history.csv"))
    assert history["adapted"].sum() == 2 and history["skipped"].sum() == 1  # not vacuous
    matrix = downloaded(dash, "accuracy_matrix").drop(columns="trained").to_numpy()
    cli_matrix = pd.read_csv(out / "accuracy_matrix.csv", index_col=0).to_numpy()
    assert matrix.shape == (3, 3)
    np.testing.assert_array_equal(matrix, cli_matrix)
    # the alarm that started no episode is crossed on the page's plot
    assert dash.column("dl-drift-metric", "skipped") == history.loc[history["skipped"], "accuracy"].tolist()
