"""Button actions run on the event loop holding the Bokeh document lock.

Panel calls a button's click handlers without the document lock. An action that changes many
models there (loading a scenario replaces figures in several views) failed on the server
("_pending_writes should be non-None ...") or left the browser holding references to models it
never received. :func:`on_click` schedules the action as a next-tick callback instead, which Bokeh
runs with the lock held, as it runs the session's periodic sync. Without a server (a notebook, a
script) the action runs at once. :func:`in_background` does slow work off the event loop first.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import panel as pn
from panel.io.state import set_curdoc

T = TypeVar("T")


def on_click(button: pn.widgets.Button, action: Callable[[], object]) -> None:
    """Run ``action()`` (no arguments) when ``button`` is clicked, on the locked document."""
    def run() -> None:  # what action returns is not for Panel (a coroutine would be awaited)
        action()

    button.on_click(lambda event: pn.state.execute(run, schedule=True))


def in_background(work: Callable[[], T], then: Callable[[T], object]) -> None:
    """Run ``work()`` in a daemon thread, then ``then(result)`` on the locked document.

    ``work`` must not touch params or Bokeh models (it runs beside the event loop, which keeps
    serving every session meanwhile); ``then`` runs like a click's action. Without a server both
    run at once.
    """
    document = pn.state.curdoc
    if document is None or document.session_context is None:
        then(work())
        return

    def run() -> None:
        result = work()

        def install() -> None:
            then(result)

        with set_curdoc(document):
            pn.state.execute(install, schedule=True)

    threading.Thread(target=run, name="driftlab-background", daemon=True).start()
