"""The run's history, detection report and accuracy matrix download as files holding what the page shows."""
import io

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def downloaded(dash, what: str) -> pd.DataFrame:
    download = dash.download(f"dl-download-{what}")
    assert download.suggested_filename == f"time_series_drift_{what}.csv"
    return pd.read_csv(io.BytesIO(open(download.path(), "rb").read()))


def test_the_downloads_hold_the_session_s_run(dash):
    page = dash.page
    dash.set_speed(50)
    page.locator(".dl-run-start button").click()
    expect(page.locator(".dl-run-status")).to_contain_text("finished", timeout=180_000)
    dash.wait_for_text("dl-train-status", "t => !/running/.test(t)", timeout=180_000)
    page.wait_for_timeout(1000)  # the last sync has reached the page

    history = downloaded(dash, "history")
    batches = dash.column("dl-drift-metric", "batch")
    assert history["batch"].tolist() == batches and len(batches) > 20
    np.testing.assert_allclose(history["accuracy"], dash.column("dl-drift-metric", "metric"))

    report = downloaded(dash, "detection_report")
    alarms = set(next(d for d in dash.plots("dl-drift-metric")[0]["sources"] if "detector" in d)["batch"])
    assert len(report) >= 2 and set(report["alarm_batch"].dropna().astype(int)) <= alarms
    shown = page.locator(".dl-detection-report tbody tr")
    assert shown.count() == len(report)

    matrix = downloaded(dash, "accuracy_matrix")
    cells = dash.plots("dl-accuracy-matrix")[0]["sources"][0]
    in_page = np.full((len(matrix), len(matrix)), np.nan)
    in_page[cells["trained"], cells["evaluated"]] = cells["accuracy"]
    np.testing.assert_allclose(matrix.drop(columns="trained").to_numpy(), in_page)
