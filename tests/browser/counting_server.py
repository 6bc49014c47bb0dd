"""Serve the dashboard in this process and answer ``GET /live`` with how many of driftlab's per-session
objects are alive (after a full garbage collection), for the test that closed sessions are freed.

    python tests/browser/counting_server.py PORT

The server discards a closed page's session ``DISCARD_MS`` after its websocket closed (Bokeh's unused
session checks; shorter than its 17 s default so the test is quick, long enough that a page's own
session is never discarded before its websocket connects).
"""
from __future__ import annotations

import gc
import json
import sys
from pathlib import Path

import panel as pn
from tornado.web import RequestHandler

from driftlab.dashboard import Session
from driftlab.scenario import Experiment

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
DISCARD_MS = 3000
COUNTED = {"Session": Session, "Experiment": Experiment}


class LiveHandler(RequestHandler):
    def get(self) -> None:
        gc.collect()
        alive = dict.fromkeys(COUNTED, 0)
        for obj in gc.get_objects():
            for name, cls in COUNTED.items():
                if isinstance(obj, cls):
                    alive[name] += 1
        self.write(json.dumps(alive))


if __name__ == "__main__":
    pn.serve({"app": str(APP)}, port=int(sys.argv[1]), address="127.0.0.1", show=False,
             websocket_origin=[f"127.0.0.1:{sys.argv[1]}"], extra_patterns=[(r"/live", LiveHandler)],
             check_unused_sessions_milliseconds=DISCARD_MS // 3, unused_session_lifetime_milliseconds=DISCARD_MS)
