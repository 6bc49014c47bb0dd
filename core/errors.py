"""Exceptions raised by driftlab.

Every error about bad input is a :class:`ConfigError` whose message starts with the path of the
offending field (``tree.branches.ramp.probs``) and says what was expected, so that a user can find
the line to fix without reading a traceback.
"""
from __future__ import annotations


class DriftlabError(Exception):
    """Base class of every error driftlab raises on purpose."""


class ConfigError(DriftlabError, ValueError):
    """Bad input: ``path`` names the field, the message says what was expected.

    >>> err = ConfigError("ramp.height.strategy", "expected one of 'hold', 'cycle', 'raise', got 'loop'")
    >>> str(err)
    "ramp.height.strategy: expected one of 'hold', 'cycle', 'raise', got 'loop'"
    >>> err.path
    'ramp.height.strategy'
    """

    def __init__(self, path: str, problem: str):
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}" if path else problem)

    def within(self, prefix: str) -> "ConfigError":
        """The same error with its path nested under ``prefix`` (``prefix.path``)."""
        path = f"{prefix}.{self.path}" if self.path else prefix
        return type(self)(path, self.problem)


class ScheduleExhaustedError(DriftlabError, IndexError):
    """A parameter with ``strategy="raise"`` was asked for a step past the end of its schedule."""
