"""The driftlab dashboard, served with ``panel serve dashboard/app.py``.

Until the dashboard views land, the page shows one parameter timeline from the engine, so that the
served app already exercises the core it will be built on.
"""
import holoviews as hv
import panel as pn

from core import ParameterStore
from core.schedulers import PeriodicScheduler
from core.update_functions import SigmoidTransition

pn.extension()
hv.extension("bokeh")

store = ParameterStore({"ramp": {"height": {"value": 0.2, "update": SigmoidTransition(
    PeriodicScheduler(1), a=0.2, b=0.9, k=0.3, t0=25)}}})
timeline = store.to_dataframe(60).reset_index()

pn.Column(
    "# driftlab",
    "A lab for continual learning on evolving data streams. The full dashboard is on its way; "
    "below, one parameter's timeline computed by the engine.",
    hv.Curve(timeline, "step", "ramp.height").opts(title="ramp.height over update steps", width=600, height=300),
).servable(title="driftlab")
