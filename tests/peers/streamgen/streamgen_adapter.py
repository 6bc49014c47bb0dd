"""streamgen's import names mapped onto driftlab's, for streamgen's own tests (tests/peers/streamgen).

Only names move: ``streamgen.parameter.Parameter`` is :class:`driftlab.Parameter`, and so on.
Two helpers of streamgen's ``transforms`` module that its tests use to build trees are written
here for driftlab's model, where the label travels beside the sample instead of in a tuple with
it: ``noop`` passes the sample on, ``operate_on_index(0)`` applies a transform to the sample
(element 0 of streamgen's ``(sample, label)``).
"""
import functools
import sys
import types

import driftlab
from driftlab import nodes, parameters, tree
from driftlab.errors import ScheduleExhaustedError


def noop(input):
    """The identity transform."""
    return input


def operate_on_index(idx: int = 0):
    """Applies a transform to element ``idx`` of streamgen's ``(sample, label)``: the sample itself here."""
    if idx != 0:
        raise NotImplementedError("driftlab keeps the label beside the sample; only index 0 (the sample) maps")

    def decorator(fn):
        @functools.wraps(fn)
        def wrapper(input, *args, **kwargs):
            return fn(input, *args, **kwargs)
        return wrapper
    return decorator


def _missing(name: str, why: str):
    """A stand-in for a streamgen name driftlab has no counterpart for: using it says why."""
    def stand_in(*args, **kwargs):
        raise NotImplementedError(f"streamgen's {name} has no driftlab counterpart: {why}")
    stand_in.__name__ = name
    return stand_in


def _module(name: str, **attrs) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    sys.modules[name] = module
    return module


def install() -> None:
    """Registers the ``streamgen`` modules in ``sys.modules``."""
    root = _module("streamgen", __version__="driftlab-" + driftlab.__version__)
    root.parameter = _module("streamgen.parameter", Parameter=parameters.Parameter)
    root.parameter.store = _module("streamgen.parameter.store", ParameterStore=parameters.ParameterStore)
    root.exceptions = _module("streamgen.exceptions", ParameterOutOfRangeError=ScheduleExhaustedError)
    root.nodes = _module("streamgen.nodes", TransformNode=nodes.TransformNode, ClassLabelNode=nodes.ClassLabelNode,
                         BranchingNode=nodes.BranchingNode,
                         SampleBufferNode=_missing("SampleBufferNode", "nodes are declarations and keep no samples; "
                                                   "collect from the tree instead"))
    root.samplers = _module("streamgen.samplers")
    root.samplers.tree = _module("streamgen.samplers.tree", SamplingTree=tree.SamplingTree)
    encoders = "labels are encoded by the tree (tree.encode, tree.classes)"
    root.transforms = _module("streamgen.transforms", noop=noop, operate_on_index=operate_on_index,
                              **{n: _missing(n, encoders) for n in ("LabelEncoder", "LabelDecoder",
                                                                    "MultiLabelEncoder", "MultiLabelDecoder")})
    root.visualizations = _module("streamgen.visualizations")
