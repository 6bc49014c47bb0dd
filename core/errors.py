"""Exceptions raised by driftlab.

Every error about bad input is a :class:`ConfigError` whose message starts with the path of the
offending field (``tree.branches.ramp.probs``) and says what was expected, so that a user can find
the line to fix without reading a traceback.
"""
from __future__ import annotations


class DriftlabError(Exception):
    """Base class of every error driftlab raises on purpose.

    >>> from driftlab.parameters import Parameter
    >>> try:
    ...     Parameter("ramp.height", 1.0, seed=-1)
    ... except DriftlabError as err:
    ...     print(type(err).__name__, "-", err)
    ConfigError - ramp.height.seed: expected an integer >= 0, got -1
    """


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

    def within(self, prefix: str) -> ConfigError:
        """The same error with its path nested under ``prefix`` (``prefix.path``)."""
        path = f"{prefix}.{self.path}" if self.path else prefix
        return type(self)(path, self.problem)


class ScheduleExhaustedError(DriftlabError, IndexError):
    """A parameter with ``strategy="raise"`` was asked for a step past the end of its schedule.

    >>> from driftlab.parameters import Parameter
    >>> height = Parameter("ramp.height", schedule=[0.9, 0.8], strategy="raise")
    >>> height.update()
    0.8
    >>> height.update()
    Traceback (most recent call last):
    ...
    driftlab.errors.ScheduleExhaustedError: ramp.height: step 2 is past the end of its schedule ... is 1
    >>> height.update_step, height.value  # the failed update moved nothing
    (1, 0.8)
    """


class TrainingError(DriftlabError, RuntimeError):
    """A retraining episode failed (a non-finite loss, say): the message says which and why.

    >>> print(TrainingError("trainer: episode 2 stopped at step 7: the loss is nan"))
    trainer: episode 2 stopped at step 7: the loss is nan
    """


class MissingExtraError(DriftlabError, ImportError):
    """An optional dependency is not installed; the message names the extra that installs it.

    >>> err = MissingExtraError("torch", "torch", "driftlab.training")
    >>> print(err)
    driftlab.training needs torch, which is not installed: pip install "driftlab[torch]"
    """

    def __init__(self, module: str, extra: str, needed_by: str):
        self.extra = extra
        super().__init__(f'{needed_by} needs {module}, which is not installed: pip install "driftlab[{extra}]"',
                         name=module)
