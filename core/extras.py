"""Optional dependencies: which extra installs each, and an import that names it when missing.

The light base needs numpy, pandas, param, PyYAML, river and SciPy; the rest comes with an extra
(``pip install "driftlab[torch]"``): ``torch`` for training and a monitored model, ``digits`` for the
rotated-digits stream, ``dashboard`` for the Panel app (torch and digits included), ``all``.

>>> require("math", "driftlab.tree").pi > 3
True
"""
from __future__ import annotations

import importlib
from types import ModuleType

from .errors import MissingExtraError

#: The extra that installs each optional top-level module.
EXTRA_OF = {"torch": "torch", "sklearn": "digits", "panel": "dashboard", "panel_material_ui": "dashboard",
            "bokeh": "dashboard", "distributed": "sweep", "pyarrow": "sweep", "tqdm": "sweep", "mlflow": "tracking"}


def require(module: str, needed_by: str) -> ModuleType:
    """``import module``; if it is missing, a :class:`MissingExtraError` naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        top = module.partition(".")[0]
        if exc.name != top or top not in EXTRA_OF:
            raise
        raise MissingExtraError(top, EXTRA_OF[top], needed_by) from None
