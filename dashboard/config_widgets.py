"""Widgets generated from a Config's declared settings (``pn.Param``), reporting every change."""
from __future__ import annotations

from collections.abc import Callable, Sequence

import panel as pn

from driftlab.config import Config

# A number input's "-" and "+" are icon buttons without an accessible name: hidden (the field takes
# typing and the arrow keys), so that a screen reader meets no unnamed button.
NO_STEPPERS = ":host .MuiInputAdornment-root { display: none; }"


def config_widgets(config: Config, settings: Sequence[str], on_change: Callable) -> pn.Param:
    """Widgets for ``settings`` of ``config``, two-way bound; ``on_change(*events)`` follows each change.
    Each widget carries the CSS class ``dl-setting-<name>``.

    Give each call a config object of its own: the watcher stays on the object as long as it lives.
    """
    config.param.watch(on_change, list(settings))
    return pn.Param(config, parameters=list(settings), show_name=False, sizing_mode="stretch_width",
                    widgets={name: {"css_classes": [f"dl-setting-{name}"], "stylesheets": [NO_STEPPERS]}
                             for name in settings})
