"""The HTML page of a sweep's report: HoloViews/hvPlot plots (bokeh backend), saved for offline use.

Plots: per metric, the grid points side by side, each with its mean over seeds and the 95 %
bootstrap CI as an error bar (:func:`driftlab.sweep.aggregate`), per detector its mean delay and
false alarms likewise; per detector, detection delay against false alarms per cell (a marker's area
counts the cells at that spot). The page is bokeh's, with BokehJS embedded (``INLINE`` resources): it
loads no script or style from the network. The aggregate table follows the plots, one row per metric
and one column per grid point (:func:`summary_table`).

>>> import pandas as pd, pathlib, re, tempfile
>>> table = pd.DataFrame({"k": ["x", "y"], "metric": "average_accuracy", "n": 2, "mean": [0.6, 0.9],
...                       "std": 0.1, "ci_low": [0.5, 0.8], "ci_high": [0.7, 1.0]})
>>> path = pathlib.Path(tempfile.mkdtemp()) / "report.html"
>>> write_report_page(pd.DataFrame(), table, {"grid": {"k": ["x", "y"]}, "seeds": [0, 1]}, path)
>>> page = path.read_text()
>>> "average_accuracy" in page, re.search(r'<(script|link|img)[^>]+(src|href)="?http', page)  # no remote tag
(True, None)
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import holoviews as hv
import hvplot.pandas  # noqa: F401  (registers DataFrame.hvplot)
import pandas as pd
from bokeh.embed import file_html
from bokeh.resources import INLINE

from jinja2 import Template

from driftlab.files import write_atomically

PLOTTED = ("average_accuracy", "forgetting_avalanche", "forgetting_chaudhry", "backward_transfer", "forward_transfer",
           "mean_accuracy", "alarms")
STYLE = """<style>
.report { font-family: sans-serif; font-size: 13px; }
.report table { border-collapse: collapse; margin: 8px 0 24px; }
.report th, .report td { border-bottom: 1px solid #ddd; padding: 4px 10px; }
.report th { background: #f3f3f3; text-align: left; }
.report td.value { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.report tr:nth-child(even) td { background: #fafafa; }
</style>"""
PAGE = Template("{% extends base %}{% block postamble %}{{ style }}{% endblock %}"
                "{% block contents %}{{ header }}{{ super() }}{{ table }}{% endblock %}")


def summary_table(table: pd.DataFrame, grid: list[str]) -> pd.DataFrame:
    """The aggregate as one row per metric and one column per grid point, each cell
    ``mean ± std [ci_low, ci_high]`` (4 significant digits), the column named ``point (n=…)``.

    >>> table = pd.DataFrame({"k": ["x", "y"], "metric": "acc", "n": 2, "mean": [0.6, 0.9], "std": 0.1,
    ...                       "ci_low": [0.5, 0.8], "ci_high": [0.7, 1.0]})
    >>> summary_table(table, ["k"]).to_dict("records")
    [{'metric': 'acc', 'x (n=2)': '0.6 ± 0.1 [0.5, 0.7]', 'y (n=2)': '0.9 ± 0.1 [0.8, 1]'}]
    """
    frame = table.copy()
    frame["point"] = _points(frame, grid)
    n = frame.groupby("point", sort=False)["n"].max()
    frame["column"] = frame["point"].map(lambda point: f"{point} (n={n[point]})")
    frame["text"] = [f"{_g(m)} ± {_g(s)} [{_g(lo)}, {_g(hi)}]"
                     for m, s, lo, hi in frame[["mean", "std", "ci_low", "ci_high"]].itertuples(index=False)]
    wide = frame.pivot(index="metric", columns="column", values="text")
    wide = wide.reindex(index=list(dict.fromkeys(frame["metric"])), columns=list(dict.fromkeys(frame["column"])))
    return wide.reset_index().rename_axis(columns=None)


def write_report_page(results: pd.DataFrame, table: pd.DataFrame, manifest: dict[str, Any], path: Path) -> None:
    """Write the report page of a sweep (``results``: its table, ``table``: the aggregate) to ``path``."""
    hv.extension("bokeh", logo=False)
    grid = list(manifest.get("grid") or {})
    label = " | ".join(grid) or "grid point"
    frame = table.copy()
    frame["point"] = _points(frame, grid)
    detectors = [m for m in dict.fromkeys(frame["metric"]) if m.endswith((".delay", ".false_alarms"))]
    plots = []
    for metric in [m for m in (*PLOTTED, *detectors) if m in set(frame["metric"])]:
        rows = frame[frame["metric"] == metric].dropna(subset=["mean"])
        if rows.empty:
            continue
        rows = rows.assign(low=rows["mean"] - rows["ci_low"], high=rows["ci_high"] - rows["mean"])
        points = rows.hvplot.scatter(x="point", y="mean", size=60, xlabel=label, ylabel=metric,
                                     hover_cols=["n", "std", "ci_low", "ci_high"])
        bars = hv.ErrorBars(rows, kdims=["point"], vdims=["mean", "low", "high"])
        plots.append((points * bars).opts(title=f"{metric}: mean and 95% CI over seeds", width=420, height=300))
    cells = results[results["status"] == "ok"].drop_duplicates("cell") if "status" in results else results
    for detector in sorted(c[: -len(".delay")] for c in cells.columns if c.endswith(".delay")):
        plots.append(_tradeoff(cells, grid, detector))
    layout = hv.Layout(plots).cols(2).opts(shared_axes=False) if plots else hv.Div("<p>No cell finished yet.</p>")
    seeds = len(manifest.get("seeds") or [])
    header = (f"<div class='report'><h1>driftlab sweep report</h1><p>grid: {html.escape(label)}; "
              f"{seeds} seeds; {len(cells)} cells finished. Error bars: percentile bootstrap 95 % CI of the "
              "mean over seeds.</p></div>")
    wide = summary_table(table, grid) if len(table) else pd.DataFrame()
    rows_html = "".join("<tr><th>" + html.escape(str(row[0])) + "</th>"
                        + "".join(f"<td class='value'>{html.escape(str(v))}</td>" for v in row[1:]) + "</tr>"
                        for row in wide.itertuples(index=False))
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in wide.columns)
    table_html = (f"<div class='report'><h2>Aggregate over seeds: mean ± std [95 % CI]</h2>"
                  f"<table><thead><tr>{head}</tr></thead><tbody>{rows_html}</tbody></table></div>")
    # bokeh's own page (not Panel's template, which links icons and extension styles by URL), extended
    # by its Jinja blocks: splicing text into the HTML could land inside the inlined BokehJS, which holds tags
    page = file_html(hv.render(layout, backend="bokeh"), INLINE, title="driftlab sweep report", template=PAGE,
                     template_variables={"header": header, "table": table_html, "style": STYLE})
    write_atomically(path, lambda file: file.write(page.encode("utf-8")))


def _tradeoff(cells: pd.DataFrame, grid: list[str], detector: str):
    """Per detector, its mean detection delay against its false alarms per cell: one marker per grid
    point and (false alarms, delay) value, its area ∝ the number of cells there (cells often coincide),
    the grid points dodged sideways by up to ±0.15 false alarms so that none hides another."""
    x, y = f"{detector}.false_alarms", f"{detector}.delay"
    data = cells.assign(point=_points(cells, grid)).dropna(subset=[x, y])
    counts = data.groupby(["point", x, y], sort=False).size().reset_index(name="cells")
    points = list(dict.fromkeys(counts["point"]))
    layers = {}
    for i, point in enumerate(points):
        mine = counts[counts["point"] == point]
        dodge = 0.3 * (i / (len(points) - 1) - 0.5) if len(points) > 1 else 0.0
        mine = mine.assign(false_alarms=mine[x] + dodge, delay=mine[y], marker=6 + 4 * mine["cells"] ** 0.5)
        layers[point] = hv.Points(mine, kdims=["false_alarms", "delay"], vdims=["cells", "marker", x]).opts(
            size=hv.dim("marker"), alpha=0.7, tools=["hover"])
    overlay = hv.NdOverlay(layers, kdims=["point"]) if layers else hv.Points([])
    return overlay.opts(title=f"{detector}: detection delay vs false alarms (per cell)", xlabel="false alarms",
                        ylabel="mean delay (batches)", width=420, height=300, legend_position="right")


def _points(frame: pd.DataFrame, grid: list[str]) -> pd.Series | str:
    return frame[grid].astype(str).agg(" | ".join, axis=1) if grid else "all"


def _g(value: float) -> str:
    return "nan" if pd.isna(value) else f"{value:.4g}"
