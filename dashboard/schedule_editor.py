"""ScheduleEditor: redefine any stream parameter from the current step on, with a live preview.

A parameter takes one of three forms (:mod:`driftlab.parameters`): a constant, a schedule with a
strategy for after its end, or an update function with its scheduler. The widgets of an update
function and of its scheduler are generated from their declared settings (``pn.Param``); classes
with settings no widget can hold (a callable, a nested update function) are left to YAML files.

The preview is the parameter's whole timeline (steps ``0..session.horizon``) with the edit as it
stands in the form: a line for numbers, stacked areas for probability vectors, a line per
component for other vectors; a vertical line marks the current step. It redraws as you type
(the data of the same plot changes); *Apply* makes the edit (``ParameterStore.edit``): from the
current step on, every earlier step keeps its value.
"""
from __future__ import annotations

import json
from typing import Any

import numpy as np
import panel as pn
import param
import yaml
from bokeh.models import ColumnDataSource, HoverTool
from bokeh.models.annotations.geometry import BoxAnnotation, Span
from panel.io import unlocked
from panel.viewable import Viewer
from param.parameters import NoNone

from driftlab.config import Config, from_spec
from driftlab.errors import DriftlabError
from driftlab.schedulers import SCHEDULERS, ContinuousScheduler, Scheduler
from driftlab.update_functions import UPDATE_FUNCTIONS, UpdateFunction

from .actions import on_click
from .config_widgets import config_widgets
from .plotting import new_figure, palette
from .session import Session
from .text import literal

FORMS = ("constant", "schedule", "update function")
GLOBAL_SCOPE = "(global)"
MAX_LEGEND_INSIDE = 4  # components of a vector whose legend fits over the preview


def _widget_settings(cls: type[Config], nested: str | None = None) -> list[str]:
    """The settings of ``cls`` to show as widgets (all but ``nested``)."""
    return [name for name in cls.settings() if name != nested]


def _editable(cls: type[Config], nested: str | None = None) -> bool:
    """Whether each of those settings can be a widget (a function or a config object cannot)."""
    return not any(isinstance(cls.param[name], (param.Callable, param.ClassSelector))
                   for name in _widget_settings(cls, nested))


def _menu(registry, nested: str | None = None) -> dict[str, Any]:
    """The registry's editable classes by name, read when a view is built (so plugins show)."""
    return {name: cls for name, cls in registry.items() if _editable(cls, nested)}


def _plain(value: Any) -> Any:
    """numpy values as plain Python, for the form's text fields."""
    return value.tolist() if isinstance(value, (np.ndarray, np.generic)) else value


def _text(value: Any) -> str:
    return json.dumps(_plain(value))


def _parse(text: str | None, what: str) -> Any:
    try:
        value = yaml.safe_load(text or "")
    except yaml.YAMLError as err:
        raise DriftlabError(f"{what}: not a YAML value ({getattr(err, 'problem', err)})") from None
    if value is None:
        raise DriftlabError(f"{what}: empty")
    return value


class ScheduleEditor(Viewer):
    """Parameters by scope, a form for the selected one's definition, and its timeline's preview."""

    session = param.ClassSelector(class_=Session, constant=True, allow_None=NoNone)

    def __init__(self, session: Session, **params):
        super().__init__(session=session, **params)
        self._updates: dict[str, type[UpdateFunction]] = _menu(UPDATE_FUNCTIONS, "scheduler")
        self._schedules: dict[str, type[Scheduler]] = _menu(SCHEDULERS)
        self._parameter = pn.widgets.Select(label="Parameter", css_classes=["dl-parameter-select"],
                                            sizing_mode="stretch_width")
        self._form = pn.widgets.RadioButtonGroup(label="Form", options=list(FORMS), css_classes=["dl-form"])
        self._value = pn.widgets.TextInput(label="Value", css_classes=["dl-value"], sizing_mode="stretch_width")
        self._schedule = pn.widgets.TextAreaInput(label="Schedule (a YAML list, its first entry at the current step)",
                                                  css_classes=["dl-schedule"], sizing_mode="stretch_width",
                                                  auto_grow=True, max_rows=6)
        self._strategy = pn.widgets.Select(label="After the schedule", options=["hold", "cycle", "raise"],
                                           css_classes=["dl-strategy"])
        self._function = pn.widgets.Select(label="Update function", options=list(self._updates),
                                           css_classes=["dl-update-function"])
        self._scheduler = pn.widgets.Select(label="Scheduler", options=list(self._schedules),
                                            css_classes=["dl-scheduler"])
        self._function_settings = pn.Column(sizing_mode="stretch_width")
        self._scheduler_settings = pn.Column(sizing_mode="stretch_width")
        self._apply = pn.widgets.Button(label=f"Apply from step {session.step}", color="primary",
                                        css_classes=["dl-apply-edit"])
        on_click(self._apply, self._apply_edit)
        self._status = pn.pane.Markdown(css_classes=["dl-edit-status"], sizing_mode="stretch_width")
        self._preview = pn.pane.Bokeh(css_classes=["dl-preview"], sizing_mode="stretch_width")
        self._update_widgets = pn.Column(self._function, self._function_settings, self._scheduler,
                                         self._scheduler_settings, sizing_mode="stretch_width")
        form = pn.Column(self._parameter, self._form, self._value, self._schedule, self._strategy,
                         self._update_widgets, pn.Row(self._apply, self._status), width=340)
        self._layout = pn.Column("### Schedule editor", pn.Row(form, self._preview, sizing_mode="stretch_width"),
                                 sizing_mode="stretch_width")
        self._draft: UpdateFunction | None = None  # the update function the widgets edit
        self._pristine = True  # the form shows the definition in force (follows the stream)
        self._source = ColumnDataSource()
        self._step_line = Span()  # the current step, on the preview figure
        self._filling = False  # the form is being filled in: its changes are not edits
        self._shape: tuple = ()  # what the preview figure is drawn for: ("number",) or (kind, size)
        self._parameter.param.watch(self._select, "value")
        self._form.param.watch(self._show_form, "value")
        for widget, name in [(self._value, "value_input"), (self._schedule, "value_input"),
                             (self._strategy, "value")]:
            widget.param.watch(self._edited, name)
        self._function.param.watch(self._new_function, "value")
        self._scheduler.param.watch(self._new_scheduler, "value")
        session.param.watch(self._new_experiment, "experiment")
        session.param.watch(self._stepped, "step")
        self._new_experiment()

    # -- reacting to the session --------------------------------------------------------------

    def _new_experiment(self, *events) -> None:
        groups: dict[str, list[str]] = {}
        for name in self.session.tree.params.names:
            groups.setdefault(name.split(".")[0] if "." in name else GLOBAL_SCOPE, []).append(name)
        self._parameter.groups = dict(sorted(groups.items()))
        names = self.session.tree.params.names
        chosen = self._parameter.value if self._parameter.value in names else self._first_drifting(names)
        if self._parameter.value == chosen:
            self._select()
        else:
            self._parameter.value = chosen  # its watcher selects it

    def _first_drifting(self, names: list[str]) -> str:
        """The first parameter whose value changes during the run (the first parameter if none does)."""
        store, steps = self.session.tree.params, self.session.max_steps
        for name in names:
            if len({_text(value) for value in _values(store[name], 0, steps)}) > 1:
                return name
        return names[0]

    def _stepped(self, *events) -> None:
        with unlocked():
            self._step_line.location = self.session.step
        self._apply.label = f"Apply from step {self.session.step}"
        if self._pristine:
            self._fill()
        else:
            self._refresh()

    # -- the form ------------------------------------------------------------------------------

    def _select(self, *events) -> None:
        self._shape = ()
        self._fill()

    def _fill(self) -> None:
        """Show the definition in force of the selected parameter, as it goes on from the current step."""
        parameter = self.session.tree.params[self._parameter.value]
        definition = parameter.definition()
        if definition.get("edits"):
            definition = {k: v for k, v in definition["edits"][-1].items() if k != "step"}
        k = self.session.step
        form, note = "constant", ""
        self._filling = True
        try:
            self._value.value = self._value.value_input = _text(parameter.value)
            self._schedule.value = self._schedule.value_input = _text(
                _values(parameter, k, max(self.session.max_steps, k)))
            self._strategy.value = "hold"
            if "schedule" in definition:
                form = "schedule"
            elif "update" in definition:
                draft = from_spec(UpdateFunction, definition["update"], parameter.name)
                if (type(draft).spec_type() in self._updates
                        and type(draft.scheduler).spec_type() in self._schedules):
                    form = "update function"
                    if self._draft is None or draft.to_spec() != self._draft.to_spec():
                        self._set_draft(draft)
                else:
                    note = f"*Its update function {type(draft).spec_type()} is edited in scenario files.*"
            if self._form.value == form:
                self._show_form()
            else:
                self._form.value = form  # its watcher shows the form
        finally:
            self._filling = False
        self._pristine = True
        self._refresh(note)

    def _show_form(self, *events) -> None:
        form = self._form.value
        self._value.visible = form != "schedule"
        self._value.label = "Value" if form == "constant" else "Value at the current step"
        self._schedule.visible = self._strategy.visible = form == "schedule"
        self._update_widgets.visible = form == "update function"
        if form == "update function" and self._draft is None:
            self._set_draft(self._updates[self._function.value](ContinuousScheduler()))
        if not self._filling:  # a form just chosen: nothing typed into it yet, so no error to show
            self._pristine = False
            self._refresh(typed=False)

    def _new_function(self, event) -> None:
        if not self._filling:  # keeps the scheduler's settings, in a copy: config_widgets watches it
            assert self._draft is not None  # the function's widgets show with a draft
            scheduler = from_spec(Scheduler, self._draft.scheduler.to_spec(), "scheduler")
            self._set_draft(self._updates[event.new](scheduler))
            self._edited()

    def _new_scheduler(self, event) -> None:
        if not self._filling:
            assert self._draft is not None  # the scheduler's widgets show with a draft
            self._draft.scheduler = self._schedules[event.new]()
            self._scheduler_settings.objects = [
                config_widgets(self._draft.scheduler, _widget_settings(self._schedules[event.new]), self._edited)]
            self._edited()

    def _set_draft(self, draft: UpdateFunction) -> None:
        """Edit ``draft`` and its scheduler with widgets generated from their declared settings."""
        self._draft = draft
        filling, self._filling = self._filling, True
        self._function.value = type(draft).spec_type()
        self._scheduler.value = type(draft.scheduler).spec_type()
        self._filling = filling
        self._function_settings.objects = [
            config_widgets(draft, _widget_settings(type(draft), "scheduler"), self._edited)]
        self._scheduler_settings.objects = [
            config_widgets(draft.scheduler, _widget_settings(type(draft.scheduler)), self._edited)]

    def _definition(self) -> Any:
        """The definition the form describes (raises DriftlabError when it cannot be read)."""
        form = self._form.value
        if form == "constant":
            return _parse(self._value.value_input, "Value")
        if form == "schedule":
            schedule = _parse(self._schedule.value_input, "Schedule")
            return {"schedule": schedule if isinstance(schedule, list) else [schedule],
                    "strategy": self._strategy.value}
        assert self._draft is not None  # _show_form makes one for this form
        return {"value": _parse(self._value.value_input, "Value"), "update": self._draft.to_spec()}

    def _edited(self, *events) -> None:
        if not self._filling:
            self._pristine = False
            self._refresh()

    def _apply_edit(self) -> None:
        try:
            definition = self._definition()
        except DriftlabError as err:
            self.session.error = f"Edit of {self._parameter.value} not applied: {err}"
            return
        if self.session.edit_parameter(self._parameter.value, definition):
            self._pristine = True
            self._refresh()

    # -- the preview ---------------------------------------------------------------------------

    def _refresh(self, note: str = "", typed: bool = True) -> None:
        """Redraw the preview for the form as it stands (the data of the same figure, when it can).
        A form the user has not ``typed`` into yet asks to be filled in instead of showing its error."""
        name, session = self._parameter.value, self.session
        try:
            candidate = session.candidate(name, self._definition())
        except (DriftlabError, ValueError) as err:
            self._status.object = f"⚠ {literal(err)}" if typed else f"*Fill in the {self._form.value} to preview it.*"
            self._apply.disabled = True
            return
        self._status.object = note or ("" if self._pristine else "*Preview: not applied yet.*")
        self._apply.disabled = self._pristine
        values = _values(candidate, 0, session.horizon)
        committed = _values(session.tree.params[name], 0, len(values) - 1)
        self._draw(name, values, committed + [None] * (len(values) - len(committed)))

    def _draw(self, name: str, values: list, committed: list) -> None:
        array = np.asarray(values, dtype=float) if _numeric(values) else None
        if array is None or array.ndim > 2:
            self._status.object = "*Its values are not numbers or vectors: no preview.*"
            return
        steps = list(range(len(values)))
        shape: tuple
        data: dict[str, Any]
        if array.ndim == 1:
            shape = ("number",)
            in_force = np.asarray(committed, dtype=float) if _numeric(committed) else np.full(len(values), np.nan)
            data = {"step": steps, "value": array, "committed": in_force}
        else:
            probabilities = bool(np.all(array >= 0) and np.allclose(array.sum(1), 1.0))
            shape = ("probabilities" if probabilities else "vector", array.shape[1])
            data = {"step": steps, **{f"c{i}": array[:, i] for i in range(array.shape[1])}}
        new = shape != self._shape
        if new:
            self._source = ColumnDataSource(data)
            self._preview.object = self._figure(name, shape)
            self._shape = shape
        with unlocked():
            if not new:
                self._source.data = data
            if shape[0] != "probabilities":  # an explicit range: one the browser fits is sent back
                drawn = np.concatenate([array.ravel(), np.asarray(data.get("committed", []), dtype=float)])
                drawn = drawn[np.isfinite(drawn)]
                low, high = float(drawn.min()), float(drawn.max())
                pad = 0.08 * (high - low or abs(high) or 1.0)
                self._preview.object.y_range.update(start=low - pad, end=high + pad)

    def _figure(self, name: str, shape: tuple):
        session = self.session
        fig = new_figure(height=320, title=f"{name} over update steps", x_axis_label="update step",
                         x_range=(0, session.horizon), y_range=(0, 1))
        self._step_line = Span(location=session.step, dimension="height", line_color="crimson", line_width=2,
                               line_dash="dashed")
        fig.add_layout(self._step_line)
        fig.add_layout(BoxAnnotation(left=session.max_steps, fill_color="grey", fill_alpha=0.1))
        source = self._source
        if shape[0] == "number":
            fig.line("step", "committed", source=source, color="grey", line_dash="dotted", legend_label="in force")
            edited = fig.line("step", "value", source=source, line_width=2, legend_label="with the edit")
            fig.scatter("step", "value", source=source, size=5)
            fig.add_tools(HoverTool(renderers=[edited], mode="vline", tooltips=[
                ("step", "@step"), ("with the edit", "@value{0.000}"), ("in force", "@committed{0.000}")]))
            fig.legend.location = "top_left"
            return fig
        columns = [f"c{i}" for i in range(shape[1])]
        names = self._component_names(name, shape[1])
        colors = palette(shape[1])
        if shape[0] == "probabilities":
            fig.varea_stack(columns, x="step", source=source, color=colors, legend_label=names, fill_alpha=0.8)
            rule = fig.line("step", columns[0], source=source, alpha=0)  # an area glyph takes no vline hover
        else:
            rule, *_ = [fig.line("step", column, source=source, color=color, line_width=2, legend_label=label)
                        for column, label, color in zip(columns, names, colors, strict=False)]
        # one tooltip with every component at the step under the mouse
        values = [(label, f"@{column}{{0.000}}") for column, label in zip(columns, names, strict=False)]
        fig.add_tools(HoverTool(renderers=[rule], mode="vline", tooltips=[("step", "@step"), *values]))
        fig.legend.location = "top_left"
        fig.legend.background_fill_alpha = 0.6
        if shape[1] > MAX_LEGEND_INSIDE:  # a long legend goes beside the plot, not over it
            fig.add_layout(fig.legend[0], "right")
        return fig

    def _component_names(self, name: str, size: int) -> list[str]:
        """Branch names for a branching node's probabilities, else the component indices."""
        for node in self.session.tree.to_graph()["nodes"]:
            if node["kind"] == "branch" and node["param"] == name and len(node["branches"]) == size:
                return [str(branch) for branch in node["branches"]]
        return [f"[{i}]" for i in range(size)]

    def __panel__(self):
        return self._layout


def _values(parameter, first: int, last: int) -> list:
    """The values of steps ``first..last``, as plain data, up to the end of a schedule that raises past it."""
    values = []
    for k in range(first, last + 1):
        try:
            values.append(_plain(parameter[k]))
        except DriftlabError:
            break
    return values


def _numeric(values: list) -> bool:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        return False
    return array.size > 0
