"""Hostile and malformed uploads in a real page: a scenario's strings never run as script, and every
bad file says why next to the upload control."""
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect



pytestmark = pytest.mark.browser

SMALL = Path(__file__).resolve().parents[1] / "scenarios" / "small.yaml"
HOSTILE = '<img src=x onerror="document.title=\'pwned\'">'


def hostile_file(folder: Path) -> Path:
    """small.yaml with script in its name, description, metric and detector name."""
    spec = yaml.safe_load(SMALL.read_text())
    spec.update(name=HOSTILE, description=f"<script>document.title='pwned'</script>{HOSTILE}")
    spec["detectors"] = {HOSTILE: spec["detectors"]["ph"]}
    spec["monitor"]["metric"] = HOSTILE
    path = folder / "hostile.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def test_a_scenario_named_with_html_shows_the_text_and_runs_nothing(dash, tmp_path):
    page = dash.page
    title = page.title()
    dash.upload(hostile_file(tmp_path))
    about = page.locator(".dl-scenario-about")
    expect(about).to_contain_text(HOSTILE, timeout=30_000)
    expect(about).to_contain_text(f"<script>document.title='pwned'</script>{HOSTILE}")
    expect(page.locator("text=fed to")).to_contain_text(HOSTILE)  # the drift plots' note: detector name
    page.wait_for_timeout(500)  # an injected onerror fires once its image fails to load
    page.screenshot(path=tmp_path / "hostile-scenario.png")
    assert page.title() == title == "driftlab"
    assert page.locator("img[src=x]").count() == 0


# (file name, content, what the error says): the last four showed nothing, or froze the server
BAD_UPLOADS = [
    ("latin1.yaml", "name: caf\xe9\n".encode("latin-1"), "not UTF-8 text"),
    ("list_key.yaml", b"{[1, 2]: 3}\n", "list_key.yaml"),
    ("deep.yaml", b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n", "deep.yaml"),
    ("empty.yaml", b"", "empty"),
    ("huge.yaml", b"name: huge\n#" + b"x" * 2_000_000 + b"\n", "upload limit"),
]


def test_every_bad_upload_says_why_under_the_upload(dash, tmp_path):
    page = dash.page
    for name, content, detail in BAD_UPLOADS:
        path = tmp_path / name
        path.write_bytes(content)
        page.locator(".dl-upload").scroll_into_view_if_needed()
        dash.upload(path)
        problem = page.locator(".dl-load-error")
        expect(problem).to_be_visible(timeout=30_000)
        expect(problem).to_contain_text(f"Could not load {name}")
        expect(problem).to_contain_text(detail)
        expect(problem).to_be_in_viewport()
        if name == "huge.yaml":
            page.screenshot(path=tmp_path / "upload-error.png")
        expect(page.locator(".dl-scenario-about")).to_contain_text("time_series_drift")
        page.locator(".dl-error-dismiss button").click()
        expect(problem).to_be_hidden()
