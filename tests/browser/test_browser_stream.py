"""Running the stream plots the monitored metric live and marks drift alarms."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_stream_plots_drift_points_and_an_alarm(dash):
    page = dash.page
    dash.set_speed(50)
    page.locator(".dl-run-start button").click()
    expect(page.locator(".dl-run-status")).to_contain_text("running", timeout=60_000)
    # alarms are the metric plot's triangles: the source with a "detector" column
    dash.wait_for_column("dl-drift-metric", "detector", "v => v.length > 0", timeout=90_000)
    sources = dash.plots("dl-drift-metric")[0]["sources"]
    per_batch = next(d for d in sources if set(d) == {"batch", "metric"})
    alarms = next(d for d in sources if "detector" in d)
    assert len(per_batch["batch"]) >= 10
    assert all(0.0 <= m <= 1.0 for m in per_batch["metric"])
    assert "page_hinkley" in alarms["detector"]
    assert set(alarms["batch"]) <= set(per_batch["batch"])  # on the metric's curve
    changes = next(d for d in sources if set(d) == {"batch"})
    assert len(changes["batch"]) >= 1  # the true change at step 4 is drawn
    statistics = dash.plots("dl-drift-statistic")[0]["sources"]
    assert len(next(d for d in statistics if "s0" in d)["s0"]) >= 10
    expect(page.locator(".dl-detection-report")).to_contain_text("page_hinkley")
    # at 50 batches/s the run reaches its last step within seconds (pausing it would race its end)
    expect(page.locator(".dl-run-status")).to_contain_text(re.compile(r"finished"), timeout=120_000)
