"""Views in a notebook stay offline: stylesheets that Panel links from its CDN are sent inline instead.

Rule: in a notebook after ``pn.extension(inline=True)``, Panel inlines the stylesheets of a view
when it first renders it, but a later update that re-sends a pane's properties (a Markdown pane
whose text changed: the run status, ten times a second) links them from its CDN again (Panel
1.9.4: ``loading.css``, ``markdown.css``, the design's ``material*.css``), so the page fetches them
from the internet. :func:`keep_stylesheets_inline` makes every such update send Panel's own copy
of the file as an inline stylesheet, one per notebook document and file (sent once, then referred
to). Served pages (a Bokeh server session) and notebooks without ``inline=True`` are left alone.

>>> keep_stylesheets_inline()  # done on `import driftlab.dashboard`; doing it again changes nothing
"""
from __future__ import annotations

import functools
from typing import Any
from weakref import WeakKeyDictionary

from bokeh.document import Document
from bokeh.models import ImportedStyleSheet, InlineStyleSheet
from panel.config import config
from panel.io.resources import CDN_DIST, DIST_DIR
from panel.reactive import Reactive

_INLINE: WeakKeyDictionary[Document, dict[str, InlineStyleSheet]] = WeakKeyDictionary()


def inline_stylesheets(stylesheets: list[Any], doc: Document | None) -> list[Any]:
    """``stylesheets`` with each one linked from Panel's CDN replaced by an inline copy of the file.

    Only in a notebook document with ``pn.config.inline`` set; a link to a file that Panel does not
    ship, or to anywhere else, is kept.
    """
    if not config.inline or doc is None or doc.session_context is not None:
        return stylesheets
    copies = _INLINE.setdefault(doc, {})
    out = []
    for sheet in stylesheets:
        if isinstance(sheet, ImportedStyleSheet) and sheet.url.startswith(CDN_DIST):
            name = sheet.url[len(CDN_DIST):].split("?")[0]
            path = DIST_DIR / name
            if name not in copies and path.is_file():
                copies[name] = InlineStyleSheet(css=path.read_text(encoding="utf-8"))
            sheet = copies.get(name, sheet)
        out.append(sheet)
    return out


def keep_stylesheets_inline() -> None:
    """Make every Panel component's properties carry inline stylesheets in an inline notebook (once)."""
    original = Reactive._get_properties
    if getattr(original, "_driftlab_inline", False):
        return

    @functools.wraps(original)
    def get_properties(self: Reactive, doc: Document | None) -> dict[str, Any]:
        properties = original(self, doc)
        if "stylesheets" in properties:
            properties["stylesheets"] = inline_stylesheets(properties["stylesheets"], doc)
        return properties

    get_properties._driftlab_inline = True  # type: ignore[attr-defined]
    Reactive._get_properties = get_properties  # type: ignore[method-assign]
