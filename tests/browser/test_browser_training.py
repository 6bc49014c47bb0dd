"""A retraining episode runs to its end with progress shown, and the page stays responsive meanwhile."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
LONG_EPISODE = 600  # training steps: seconds, longer than the slider moves below


def progress(page) -> tuple[float, float]:
    bar = page.locator("progress.dl-train-progress")
    return float(bar.get_attribute("value") or 0), float(bar.get_attribute("max") or 0)


def test_retraining_shows_progress_while_a_slider_stays_responsive(dash):
    page = dash.page
    # an episode trains on the current regime's data: monitor one batch first (it pretrains)
    page.locator(".dl-run-step button").click()
    expect(page.locator(".dl-run-status")).to_contain_text("1 batches", timeout=90_000)
    expect(page.locator(".dl-train-start button")).to_be_enabled()

    # an episode long enough to move the slider a few times while it trains, on any machine
    dash.show("Retraining settings")
    max_iter = page.locator(".dl-setting-max_iter input")
    max_iter.fill(str(LONG_EPISODE))
    max_iter.press("Enter")
    dash.show("Run")
    page.locator(".dl-train-start button").click()
    # (the previous episode's progress can show for a moment: wait for the new one's first steps)
    status = dash.wait_for_text(
        "dl-train-status", f"t => /^Episode [1-9][0-9]* running: step [0-9]+ of {LONG_EPISODE}/.test(t)",
        timeout=30_000)
    episode = re.match(r"Episode (\d+)", status).group(1)
    expect(page.locator(".dl-train-stop button")).to_be_enabled()
    seen = {progress(page)[0]}

    # move the samples' Player slider while the episode trains: the server redraws the samples and
    # retitles them; time each echo, and check (in the sidebar's run status, on every tab) that the
    # episode was still running when it came
    dash.show("Samples")
    echoes = []
    for value in [3, 7, 11, 15, 5, 9, 13]:
        ms = dash.timed_input(".dl-player input[type=range]", str(value), "() => window.__dlText('dl-samples-title')")
        state = dash.text("dl-run-status")
        assert ms is not None, f"the page did not reflect the slider within 20 s during training ({state})"
        assert dash.text("dl-samples-title").startswith(f"Step {value} ")
        if "retraining" not in state:
            break
        echoes.append(ms)
    print(f"slider echo during training: {[round(ms) for ms in echoes]} ms")
    assert echoes, "the episode ended before the first slider echo: the page was not responsive while it trained"

    dash.show("Run")
    final = dash.wait_for_text("dl-train-status", f"t => t.startsWith('Episode {episode} finished')", timeout=120_000)
    value, maximum = progress(page)
    assert maximum > 0 and value == maximum, (value, maximum, final)
    assert len(seen | {value}) >= 2, "the progress bar never moved"
    assert len(dash.column("dl-loss", "loss") or []) >= 2 * 60, "no loss curve for pretraining and the episode"
    assert dash.column("dl-accuracy-matrix", "accuracy"), "no accuracy matrix"
    expect(page.locator(".dl-train-start button")).to_be_enabled()
    expect(page.locator(".dl-train-stop button")).to_be_disabled()
    expect(page.locator(".dl-error")).to_be_hidden()
