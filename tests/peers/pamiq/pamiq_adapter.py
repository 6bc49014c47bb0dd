"""PAMIQ-Core's data-module import names mapped onto :mod:`driftlab.buffers`, for PAMIQ's own tests.

PAMIQ's ``Dict*`` buffers (named fields) are driftlab's buffers: ``DictSequentialBuffer(keys,
max_size)`` is ``SequentialBuffer(fields, max_size)`` and ``DictRandomReplacementBuffer`` is
``RandomReplacementBuffer``. PAMIQ's single-value buffers (``SequentialBuffer(max_size)``, any
object per step) have no counterpart: a driftlab buffer stores named columns. ``DataBuffer``,
``DataCollector`` and ``DataUser`` are driftlab's; ``PersistentStateMixin`` is PAMIQ's protocol of
``save_state(path)``/``load_state(path)``, which driftlab's buffers implement without a base class.
"""
import sys
import types
import typing

from driftlab import buffers


def _module(name: str, **attrs) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    sys.modules[name] = module
    return module


class PersistentStateMixin:
    """PAMIQ's save_state/load_state protocol, as an abstract base (driftlab's buffers have the methods)."""


def _missing(name: str, why: str) -> type:
    """A stand-in for a PAMIQ name without a driftlab counterpart: building one says why."""
    def refuse(cls, *args, **kwargs):
        raise NotImplementedError(f"PAMIQ's {name} has no driftlab counterpart: {why}")
    return type(name, (), {"__new__": refuse, "__class_getitem__": classmethod(lambda cls, item: cls)})


def _generic(cls: type) -> type:
    """``cls`` that also takes PAMIQ's type parameters (``Buffer[int]``), which only annotate."""
    return type(cls.__name__, (cls,), {"__class_getitem__": classmethod(lambda c, item: c),
                                       "__module__": cls.__module__})


def install() -> None:
    """Registers the ``pamiq_core`` modules in ``sys.modules`` (and ``typing.override`` on Python 3.11)."""
    if not hasattr(typing, "override"):  # Python 3.12's decorator, a no-op at run time
        import typing_extensions
        typing.override = typing_extensions.override
    columns = "a driftlab buffer stores named fields; use the Dict* form (fields=...)"
    _module("pamiq_core")
    _module("pamiq_core.state_persistence", PersistentStateMixin=PersistentStateMixin)
    _module("pamiq_core.data")
    _module("pamiq_core.data.buffer", DataBuffer=buffers.DataBuffer)
    _module("pamiq_core.data.interface", DataCollector=buffers.DataCollector, DataUser=buffers.DataUser,
            TimestampingQueue=_missing("TimestampingQueue", "collectors keep chunks with their times internally"))
    _module("pamiq_core.data.container",
            DataUsersDict=_missing("DataUsersDict", "a DataUser makes its collectors (user.new_collector())"),
            DataCollectorsDict=_missing("DataCollectorsDict", "a DataUser makes its collectors"))
    _module("pamiq_core.data.impls")
    _module("pamiq_core.data.impls.sequential_buffer", DictSequentialBuffer=_generic(buffers.SequentialBuffer),
            SequentialBuffer=_missing("SequentialBuffer", columns))
    _module("pamiq_core.data.impls.random_replacement_buffer",
            DictRandomReplacementBuffer=_generic(buffers.RandomReplacementBuffer),
            RandomReplacementBuffer=_missing("RandomReplacementBuffer", columns))
