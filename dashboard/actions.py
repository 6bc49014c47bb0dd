"""Button actions run on the event loop holding the Bokeh document lock.

Panel calls a button's click handlers without the document lock. An action that changes many
models there (loading a scenario replaces figures in several views) failed on the server
("_pending_writes should be non-None ...") or left the browser holding references to models it
never received. :func:`on_click` schedules the action as a next-tick callback instead, which Bokeh
runs with the lock held, as it runs the session's periodic sync. Without a server (a notebook, a
script) the action runs at once.
"""
from __future__ import annotations

from collections.abc import Callable

import panel as pn


def on_click(button: pn.widgets.Button, action: Callable[[], object]) -> None:
    """Run ``action()`` (no arguments) when ``button`` is clicked, on the locked document."""
    def run() -> None:  # what action returns is not for Panel (a coroutine would be awaited)
        action()

    button.on_click(lambda event: pn.state.execute(run, schedule=True))
