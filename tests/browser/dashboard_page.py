"""A page object for the served dashboard: the hooks documented in ``dashboard/__init__.py``, driven
through Playwright (tests/browser and benchmarks/dashboard.py).

Texts are read from inside each pane's shadow root (``inner_text()`` on a Panel host is empty); plot
contents are read from the BokehJS models in the page (the data the browser draws), found by the
``dl-*`` CSS class their pane carries. Timings are taken in the page with ``performance.now()``:
from the input event to the animation frame after the page shows the result.
"""
from __future__ import annotations

from typing import Any

# The visible text of a Panel pane: its shadow root without the style sheets.
PANE_TEXT_JS = """e => [...e.shadowRoot.children].filter(c => !['STYLE', 'LINK'].includes(c.tagName))
    .map(c => c.innerText).join('\\n').trim()"""

# The plots under the Bokeh model carrying a CSS class (a figure, or a grid's figures):
# for each, its title and its renderers' data.
PLOTS_JS = """
window.__dlPlots = (cls) => {
  const plain = (v) => {
    if (v === null || v === undefined) return v;
    if (typeof v === 'number') return Number.isFinite(v) ? v : null;
    if (ArrayBuffer.isView(v) || Array.isArray(v)) return Array.from(v, plain);
    if (typeof v === 'object' && typeof v.length === 'number') return Array.from(v, plain);
    return v;
  };
  // A replaced figure stays in the document's models: take the one that has a view in the page.
  const live = new Set();
  const walk = (view) => {
    if (!view || live.has(view.model.id)) return;
    live.add(view.model.id);
    let children = [];
    try { children = [...view.children()]; } catch (e) {}
    for (const child of children) walk(child);
  };
  for (const root of Bokeh.index.roots) walk(root);
  // ``cls`` is a CSS class, or "title:" and the start of a plot's title
  const byTitle = cls.startsWith('title:') ? cls.slice(6) : null;
  const matches = (m) => byTitle === null ? (m.css_classes && m.css_classes.includes(cls))
      : (m.renderers !== undefined && m.title && typeof m.title.text === 'string' && m.title.text.startsWith(byTitle));
  for (const doc of Bokeh.documents) {
    for (const model of doc.all_models) {
      if (!matches(model) || !live.has(model.id)) continue;
      const plots = model.children ? model.children.map(c => Array.isArray(c) ? c[0] : c) : [model];
      return plots.filter(p => p.renderers).map(p => ({
        title: p.title ? p.title.text : null,
        sources: p.renderers.filter(r => r.data_source && r.data_source.data).map(r => {
          const data = {};
          for (const [k, v] of Object.entries(r.data_source.data)) data[k] = plain(v);
          return data;
        }),
      }));
    }
  }
  return null;
};
window.__dlText = (cls) => {
  const find = (root) => {
    const hit = root.querySelector('.' + cls);
    if (hit) return hit;
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) { const inner = find(el.shadowRoot); if (inner) return inner; }
    }
    return null;
  };
  const el = find(document);
  if (!el) return null;
  const root = el.shadowRoot || el;
  return [...root.children].filter(c => !['STYLE', 'LINK'].includes(c.tagName)).map(c => c.innerText).join('\\n').trim();
};
window.__dlFrame = () => new Promise(resolve => requestAnimationFrame(() => resolve()));
"""

# Act on an element as a user would (kind "input": set an <input>/<textarea> value as typing
# would; kind "key": press a key on it), then wait until ``probe()`` differs from before; return
# the milliseconds to the frame after that (null on timeout).
TIMED_ACTION_JS = """async ([el, kind, arg, probe, timeoutMs]) => {
  const read = new Function('return (' + probe + ')()');
  const before = JSON.stringify(read());
  const t0 = performance.now();
  if (kind === 'key') {
    el.dispatchEvent(new KeyboardEvent('keydown', {key: arg, bubbles: true, cancelable: true}));
  } else {
    const setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(el), 'value').set;
    setter.call(el, arg);
    el.dispatchEvent(new Event('input', {bubbles: true}));
    if (el.type === 'range') el.dispatchEvent(new Event('change', {bubbles: true}));
  }
  while (performance.now() - t0 < timeoutMs) {
    await window.__dlFrame();
    if (JSON.stringify(read()) !== before) {
      await window.__dlFrame();
      return performance.now() - t0;
    }
  }
  return null;
}"""


def equals_js(values: list[float], tol: float = 1e-9) -> str:
    """A JS predicate: a column equal to ``values`` (numbers, within ``tol``)."""
    return f"v => v.length === {len(values)} && v.every((x, i) => Math.abs(x - {list(values)}[i]) <= {tol})"


class Dashboard:
    """The dashboard in one Playwright page."""

    def __init__(self, page):
        self.page = page
        page.evaluate(f"() => {{ {PLOTS_JS} }}")

    def __call__(self, cls: str):
        """The element carrying CSS class ``cls`` (a ``dl-*`` hook)."""
        return self.page.locator(f".{cls}")

    def text(self, cls: str) -> str:
        """The visible text of the pane carrying ``cls``."""
        return self(cls).evaluate(PANE_TEXT_JS)

    def plots(self, cls: str) -> list[dict[str, Any]] | None:
        """The plots of the Bokeh figure (or grid) carrying ``cls``: ``[{title, sources: [data, ...]}]``.

        ``cls`` may also be ``"title:"`` and the start of a figure's title.
        """
        return self.page.evaluate("cls => window.__dlPlots(cls)", cls)

    def column(self, cls: str, name: str, plot: int = 0) -> list | None:
        """Column ``name`` of the first renderer holding it in plot ``plot`` of ``cls``."""
        plots = self.plots(cls)
        if not plots:
            return None
        for data in plots[plot]["sources"]:
            if name in data:
                return data[name]
        return None

    def wait_for_column(self, cls: str, name: str, predicate_js: str, timeout: float = 20_000, plot: int = 0):
        """Wait until ``predicate_js`` (a JS function of the column's values) holds; return the column."""
        self.page.wait_for_function(
            """([cls, name, plot, pred]) => {
                 const plots = window.__dlPlots(cls);
                 if (!plots || !plots[plot]) return false;
                 const data = plots[plot].sources.find(d => name in d);
                 return data !== undefined && (new Function('return ' + pred)())(data[name]);
               }""", arg=[cls, name, plot, predicate_js], timeout=timeout)
        return self.column(cls, name, plot)

    def wait_for_text(self, cls: str, predicate_js: str, timeout: float = 20_000) -> str:
        """Wait until ``predicate_js`` (a JS function of the pane's text) holds; return the text."""
        self.page.wait_for_function(
            "([cls, pred]) => { const t = window.__dlText(cls); return t !== null && (new Function('return ' + pred)())(t); }",
            arg=[cls, predicate_js], timeout=timeout)
        return self.text(cls)

    def timed_input(self, selector: str, value: str, probe_js: str, timeout: float = 20_000) -> float | None:
        """Type ``value`` into the input at ``selector``; ms until ``probe_js()`` reads differently."""
        handle = self.page.locator(selector).element_handle()
        return self.page.evaluate(TIMED_ACTION_JS, [handle, "input", value, probe_js, timeout])

    def timed_key(self, selector: str, key: str, probe_js: str, timeout: float = 20_000) -> float | None:
        """Press ``key`` on the element at ``selector``; ms until ``probe_js()`` reads differently."""
        handle = self.page.locator(selector).element_handle()
        return self.page.evaluate(TIMED_ACTION_JS, [handle, "key", key, probe_js, timeout])

    # -- the views -------------------------------------------------------------------------------

    def show(self, pane: str) -> None:
        """Scroll the pane named ``pane`` ("Run", "Schedule editor", "Tree", "Samples",
        "Retraining settings") into view."""
        hook = {"Run": "dl-drift-metric", "Schedule editor": "dl-parameter-select", "Tree": "dl-tree",
                "Samples": "dl-player", "Retraining settings": "dl-strategy-select"}[pane]
        self(hook).first.scroll_into_view_if_needed()

    def select_parameter(self, name: str) -> None:
        self.show("Schedule editor")
        self.page.locator(".dl-parameter-select select").select_option(name)
        self.wait_for_title("dl-preview", f"{name} over update steps")

    def wait_for_title(self, cls: str, title: str, timeout: float = 20_000) -> None:
        self.page.wait_for_function(
            "([cls, title]) => { const p = window.__dlPlots(cls); return p !== null && p.length > 0 && p[0].title === title; }",
            arg=[cls, title], timeout=timeout)

    def schedule_text(self) -> str:
        return self.page.locator(".dl-schedule textarea").input_value()

    def preview(self) -> list:
        """The preview's timeline "with the edit" (numbers)."""
        return self.column("dl-preview", "value")

    def set_speed(self, batches_per_second: int) -> None:
        """Move the speed slider with the keyboard (End: its maximum)."""
        handle = self.page.locator(".dl-speed .noUi-handle")
        handle.focus()
        handle.press("End" if batches_per_second >= 50 else "Home")

    def download(self, cls: str = "dl-download", timeout: float = 30_000):
        """Click the download button carrying ``cls`` (default "Download YAML"); the Playwright Download."""
        with self.page.expect_download(timeout=timeout) as info:
            self(cls).locator("button, a").first.click()
        return info.value

    def upload(self, path) -> None:
        self.page.locator(".dl-upload input[type=file]").set_input_files(str(path))

    def player_input(self):
        return self.page.locator(".dl-player input[type=range]")
