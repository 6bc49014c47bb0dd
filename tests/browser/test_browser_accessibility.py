"""Keyboard and screen-reader use: every button is named, plot toolbars add no tab stops, and the
drift plot's glyphs stay visible in dark mode."""
import pytest

pytestmark = pytest.mark.browser

# Elements that take the keyboard focus inside Bokeh toolbars, wherever they are in the shadow DOM.
TOOLBAR_TAB_STOPS_JS = """() => {
  let stops = 0;
  const walk = (root, inToolbar) => {
    for (const el of root.querySelectorAll('*')) {
      const toolbar = inToolbar || el.classList.contains('bk-Toolbar');
      if (toolbar && el.tabIndex >= 0 && el.getBoundingClientRect().width > 0) stops += 1;
      if (el.shadowRoot) walk(el.shadowRoot, toolbar);
    }
  };
  walk(document, false);
  return stops;
}"""

# The colours of the drift metric plot's background and of its "detector input" dots.
INPUT_COLORS_JS = """() => {
  for (const doc of Bokeh.documents) for (const m of doc.all_models) {
    if (!(m.css_classes || []).includes('dl-drift-metric') || !m.renderers) continue;
    const dots = m.renderers.find(r => r.data_source && 'value' in r.data_source.data);
    return {background: m.background_fill_color, fill: dots.glyph.fill_color.value ?? dots.glyph.fill_color};
  }
  return null;
}"""


def unnamed_buttons(page) -> list[str]:
    """The page's buttons (in Chromium's accessibility tree) that have no accessible name."""
    cdp = page.context.new_cdp_session(page)
    nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    return [str(n.get("backendDOMNodeId")) for n in nodes if not n.get("ignored")
            and n.get("role", {}).get("value") == "button" and not (n.get("name", {}).get("value") or "").strip()]


def luminance(color: str) -> float:
    """Relative luminance (WCAG 2) of "#rgb", "#rrggbb" or a CSS colour name the tests meet."""
    names = {"black": "#000000", "white": "#ffffff"}
    hex_ = names.get(color, color).lstrip("#")
    hex_ = "".join(c * 2 for c in hex_) if len(hex_) == 3 else hex_[:6]
    channels = [int(hex_[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted([luminance(a), luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_button_has_an_accessible_name(dash):
    page = dash.page
    for tab in ["Run", "Schedule editor", "Tree", "Samples", "Retraining settings"]:
        dash.show(tab)
        page.wait_for_timeout(500)
        assert unnamed_buttons(page) == [], f"buttons without an accessible name with the {tab!r} tab shown"


def test_plot_toolbars_add_no_tab_stops(dash):
    for tab in ["Run", "Schedule editor", "Tree", "Samples"]:
        dash.show(tab)
        assert dash.page.evaluate(TOOLBAR_TAB_STOPS_JS) == 0, f"toolbar buttons take the focus in the {tab!r} tab"


def test_the_detector_input_stays_visible_in_dark_mode(dash):
    page = dash.page
    light = page.evaluate(INPUT_COLORS_JS)
    page.get_by_role("button", name="Toggle theme").click()
    page.wait_for_function(f"() => ({INPUT_COLORS_JS})().background !== {light['background']!r}")
    dark = page.evaluate(INPUT_COLORS_JS)
    assert luminance(dark["background"]) < 0.1, dark  # the theme did turn the plot dark
    for colors in (light, dark):
        assert contrast(colors["fill"], colors["background"]) >= 3, colors
