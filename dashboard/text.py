r"""Text from users (a scenario's strings, error messages that quote them) shown in the page as text.

Panel's Markdown pane renders raw HTML, so a scenario named ``<img src=x onerror=...>`` would run
its script in the browser of whoever opens it. :func:`literal` backslash-escapes every ASCII
punctuation character (CommonMark: any of them may be escaped, and an escaped one is shown as
itself), so no markup, HTML tag, entity or link survives; the text reads as written.

>>> print(literal('<b>bold</b> & *stars*'))
\<b\>bold\<\/b\> \& \*stars\*
"""
from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def literal(value: object) -> str:
    """``str(value)`` escaped for a Markdown pane: shown character for character, never as markup."""
    return _PUNCTUATION.sub(r"\\\1", str(value))
