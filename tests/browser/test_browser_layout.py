"""The run fits one screen: at 1400 x 900 the drift plots and the retraining results are both in view."""
import pytest

pytestmark = pytest.mark.browser

SCREEN = {"width": 1400, "height": 900}

# The box of the first element carrying a class, wherever it is in the shadow DOM (null if none).
BOX_JS = """cls => {
  const find = (root) => {
    const hit = root.querySelector('.' + cls);
    if (hit) return hit;
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) { const f = find(el.shadowRoot); if (f) return f; }
    return null;
  };
  const el = find(document);
  if (!el) return null;
  const r = el.getBoundingClientRect();
  return {left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height};
}"""


def in_view(box, screen) -> bool:
    return (box is not None and box["width"] > 0 and box["height"] > 0 and box["left"] >= 0 and box["top"] >= 0
            and box["right"] <= screen["width"] and box["bottom"] <= screen["height"])


def test_the_run_is_one_screen_at_1400_by_900(new_context, open_page):
    page = open_page(new_context(viewport=SCREEN), ".dl-drift-metric")
    page.wait_for_function(f"() => ({BOX_JS})('dl-accuracy-matrix') !== null")
    for hook in ["dl-drift-metric", "dl-drift-statistic", "dl-detection-report", "dl-train-start",
                 "dl-train-status", "dl-accuracy-matrix", "dl-run-start", "dl-run-status"]:
        box = page.evaluate(BOX_JS, hook)
        assert in_view(box, SCREEN), f"{hook} is not inside the 1400 x 900 viewport: {box}"
    # the page went idle, so the session's sync runs: a step shows (a plot hidden at load once stopped that)
    page.locator(".dl-run-step button").click()
    page.locator(".dl-run-status").filter(has_text="1 batches").wait_for(timeout=180_000)
