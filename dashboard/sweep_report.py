"""The HTML page of a sweep's report: HoloViews/hvPlot plots (bokeh backend), saved for offline use.

Plots: per metric, the grid points side by side, each with its mean over seeds and the 95 %
bootstrap CI as an error bar (:func:`driftlab.sweep.aggregate`); per detector, its mean detection
delay against its false alarms, one point per cell. The page is bokeh's, with BokehJS embedded (``INLINE``
resources): it loads no script or style from the network. The aggregate table follows the plots.

>>> import pandas as pd, pathlib, tempfile
>>> table = pd.DataFrame({"k": ["x", "y"], "metric": "average_accuracy", "n": 2, "mean": [0.6, 0.9],
...                       "std": 0.1, "ci_low": [0.5, 0.8], "ci_high": [0.7, 1.0]})
>>> path = pathlib.Path(tempfile.mkdtemp()) / "report.html"
>>> write_report_page(pd.DataFrame(), table, {"grid": {"k": ["x", "y"]}, "seeds": [0, 1]}, path)
>>> "average_accuracy" in path.read_text() and 'src="http' not in path.read_text()
True
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

from driftlab.files import write_atomically

PLOTTED = ("average_accuracy", "forgetting", "backward_transfer", "forward_transfer", "mean_accuracy", "alarms")


def write_report_page(results: pd.DataFrame, table: pd.DataFrame, manifest: dict[str, Any], path: Path) -> None:
    """Write the report page of a sweep (``results``: its table, ``table``: the aggregate) to ``path``."""
    hv.extension("bokeh", logo=False)
    grid = list(manifest.get("grid") or {})
    label = " | ".join(grid) or "grid point"
    frame = table.copy()
    frame["point"] = frame[grid].astype(str).agg(" | ".join, axis=1) if grid else "all"
    plots = []
    for metric in [m for m in PLOTTED if m in set(frame["metric"])]:
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
        data = cells.assign(point=cells[grid].astype(str).agg(" | ".join, axis=1) if grid else "all")
        plots.append(data.hvplot.scatter(x=f"{detector}.false_alarms", y=f"{detector}.delay", by="point",
                                         hover_cols=["seed"], title=f"{detector}: detection delay vs false alarms",
                                         xlabel="false alarms", ylabel="mean delay (batches)", width=420, height=300))
    layout = hv.Layout(plots).cols(2).opts(shared_axes=False) if plots else hv.Div("<p>No cell finished yet.</p>")
    # bokeh's own page (not Panel's template, which links icons and extension styles by URL)
    page = file_html(hv.render(layout, backend="bokeh"), INLINE, title="driftlab sweep report")
    summary = (f"<h1>driftlab sweep report</h1><p>grid: {html.escape(', '.join(grid) or 'none')}; "
               f"seeds: {len(manifest.get('seeds') or [])}</p>")
    table_html = f"<h2>Aggregate over seeds</h2>{table.to_html(index=False, float_format=lambda v: f'{v:.4g}')}"
    page = page.replace("<body>", f"<body>{summary}", 1).replace("</body>", f"{table_html}</body>", 1)
    write_atomically(path, lambda file: file.write(page.encode("utf-8")))
