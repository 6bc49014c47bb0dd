"""Sampling-tree nodes, and the one tree format: plain data that a scenario file and Python share.

A tree is written with lists, mappings and strings, the same in YAML and in Python:

- a list chains nodes: each node's output is the next node's input (the first one gets ``None``);
  nodes that follow a branching node in a list apply after every one of its branches (a merge);
- a string is a class label; ``{label: VALUE}`` any other label;
- ``{transform: NAME}`` is the transform registered as NAME (:data:`driftlab.registry.TRANSFORMS`),
  with ``name`` (its parameter scope, default NAME) and ``args`` (fixed keyword arguments);
- ``{branch: NAME, branches: {key: node or list, ...}}`` is a branching node whose probabilities are
  the parameter ``NAME.probs`` (uniform when there is none).

``driftlab.scenario.tree_to_spec`` writes any tree back in this form, and building from what it writes
gives the same tree. Python also takes streamgen's shorthand, which has no file form of its own: a
callable is a transform node (written back by its registered name), and a dict without the keys above
is a branching node whose keys are the branches (reserved keys ``name`` and ``probs``).

:func:`parse` turns the shorthand into :class:`Placed` nodes, each with its path in the tree
(``tree[1].branches.ramp[0]``), without touching the caller's lists and dicts.

>>> chain = parse([lambda x: 0, {"name": "pick", "a": "A", "b": ["B", "b"]}])
>>> [p.path for p in chain]
['tree[0]', 'tree[1]']
>>> [(key, [p.path for p in sub]) for key, sub in chain[1].branches]
[('a', ['tree[1].branches.a']), ('b', ['tree[1].branches.b[0]', 'tree[1].branches.b[1]'])]
"""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from .errors import ConfigError
from .parameters import Parameter, ParameterStore

RESERVED_KEYS = ("name", "probs")
DATA_KEYS = {"transform": ("transform", "name", "args"), "label": ("label",), "branch": ("branch", "branches")}
_KEYWORD = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
F = TypeVar("F", bound=Callable[..., Any])


def batched(fn: F) -> F:
    """Mark ``fn`` as a batched transform: called once per group of samples with stacked inputs.

    A batched transform takes an array whose first axis is the samples of a group (at the root:
    an object array of ``None``, one per sample) and returns one output per sample, stacked the
    same way. It may change its input in place: the tree never reuses it. ``fn`` itself is
    returned, marked, so calling it costs nothing extra.

    >>> @batched
    ... def double(x):
    ...     return 2 * x
    >>> TransformNode(double).batched
    True
    """
    vars(fn)["batched"] = True
    return fn


def append_label(labels: Any, label: Any) -> tuple:
    """The label function of multi-label trees: ``labels`` (a tuple, ``None`` for none yet) plus ``label``.

    >>> append_label(append_label(None, "ramp"), "step")
    ('ramp', 'step')
    """
    return (*(labels or ()), label)


def set_label(labels: Any, label: Any) -> Any:
    """The label function of single-label trees: the new label replaces the old one."""
    return label


class TransformNode:
    """A transform ``x -> fn(x, **params)``; its parameters come from the scope named after it.

    ``fn`` gets, by keyword, the parameters of the store scope ``name`` (default
    ``fn.__name__``), the top-level parameters whose names are in its signature, and the tree's
    Generator if it declares ``rng``. ``params`` adds parameters to its scope, written as in
    :class:`~driftlab.parameters.ParameterStore` (names relative to the scope). ``batched`` (default:
    whether ``fn`` was decorated with :func:`batched`) makes the tree call it once per group.

    >>> def ramp(x, height, rng):
    ...     return x + height
    >>> node = TransformNode(ramp, params={"height": {"schedule": [1.0, 2.0]}})
    >>> node.name, sorted(node.arguments), node.wants_rng
    ('ramp', ['height', 'rng'], True)
    """

    def __init__(self, fn: Callable, params: Mapping | ParameterStore | Parameter | None = None,
                 name: str | None = None, batched: bool | None = None):
        if not callable(fn):
            raise ConfigError("fn", f"expected a callable transform, got {fn!r}")
        self.fn = fn
        self.name = _check_name(name if name is not None else _callable_name(fn), "name")
        self.batched = bool(getattr(unwrap(fn), "batched", False)) if batched is None else bool(batched)
        self.params = _definitions(params, self.name)
        self._inspect()

    def _inspect(self) -> None:
        """Reads the signature once: which keywords ``fn`` accepts and which it requires."""
        try:
            signature = list(inspect.signature(self.fn).parameters.values())
        except (TypeError, ValueError):  # some builtins have no signature: they get the sample only
            signature = [inspect.Parameter("x", inspect.Parameter.POSITIONAL_ONLY)]
        if signature and signature[0].kind in _POSITIONAL:
            signature = signature[1:]
        elif not any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in signature):
            raise ConfigError(self.name, "a transform must take the sample as its first positional argument")
        for p in signature:
            if p.kind is inspect.Parameter.POSITIONAL_ONLY and p.default is p.empty:
                raise ConfigError(f"{self.name}.{p.name}", "is positional-only, so no parameter can be passed to it")
        self.arguments = frozenset(p.name for p in signature if p.kind in _KEYWORD)
        self.required = frozenset(p.name for p in signature if p.kind in _KEYWORD and p.default is p.empty)
        self.takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature)
        self.wants_rng = "rng" in self.arguments

    def __repr__(self) -> str:
        return f"TransformNode({self.name!r}{', batched=True' if self.batched else ''})"


class ClassLabelNode:
    """Labels the sample: its label becomes ``label_func(label so far, label)``.

    The label so far is ``None`` (``()`` in a multi-label tree) until a label node sets it.
    ``label_func`` defaults to the tree's: :func:`set_label` (replace) or, in a multi-label tree,
    :func:`append_label`. Labels depend on the path through the tree only: a label function must
    be pure, as the tree calls it when it is built and again for the paths that a draw takes.

    >>> ClassLabelNode("ramp").label
    'ramp'
    >>> nested = ClassLabelNode("ramp", label_func=lambda outer, label: f"{outer}/{label}")
    >>> nested.label_func("anomaly", nested.label)
    'anomaly/ramp'
    """

    def __init__(self, label: Any, label_func: Callable[[Any, Any], Any] | None = None):
        if label_func is not None and not callable(label_func):
            raise ConfigError("label_func", f"expected a callable (labels, label) -> labels, got {label_func!r}")
        self.label = label
        self.label_func = label_func

    def __repr__(self) -> str:
        return f"ClassLabelNode({self.label!r})"


class BranchingNode:
    """Sends each sample down one of its branches, drawn with probabilities ``probs``.

    ``branches`` maps branch names to a node or a list of nodes (shorthand allowed). ``probs``
    is a probability vector over the branches, in order: a list (constant), a parameter
    definition dict (``{"schedule": [...]}``, ``{"value": ..., "update": ...}``) or a
    :class:`~driftlab.parameters.Parameter` (its definition is used). Without it the tree takes
    parameter ``<name>.probs`` from its store, and without that the branches are equally likely.

    >>> node = BranchingNode({"ramp": "ramp", "step": "step"}, probs=[0.25, 0.75], name="pattern")
    >>> node.keys, node.probs
    (('ramp', 'step'), {'value': [0.25, 0.75]})
    """

    def __init__(self, branches: Mapping[str, Any], probs: Any = None, name: str | None = None):
        if not isinstance(branches, Mapping) or not branches:
            raise ConfigError("branches", f"expected a non-empty dict of branch name -> nodes, got {branches!r}")
        for key in branches:
            _check_name(key, "branches")
        self.branches = dict(branches)
        self.keys = tuple(self.branches)
        self.name = None if name is None else _check_name(name, "name")
        self.probs = _probs_definition(probs)

    def __repr__(self) -> str:
        return f"BranchingNode({list(self.keys)}, name={self.name!r})"


Node = TransformNode | ClassLabelNode | BranchingNode


@dataclass(frozen=True, eq=False)
class Placed:
    """A node at one place in a tree: its path, and for a branching node its parsed branches.

    >>> chain = parse(["start", {"name": "kind", "a": "A", "b": ["B", "b"]}])
    >>> chain[0]
    Placed(node=ClassLabelNode('start'), path='tree[0]', branches=())
    >>> chain[1].node, [key for key, _ in chain[1].branches]
    (BranchingNode(['a', 'b'], name='kind'), ['a', 'b'])
    >>> [p.path for p in walk(chain)]
    ['tree[0]', 'tree[1]', 'tree[1].branches.a', 'tree[1].branches.b[0]', 'tree[1].branches.b[1]']
    """

    node: Node
    path: str
    branches: tuple[tuple[str, tuple[Placed, ...]], ...] = ()


def parse(spec: Any, path: str = "tree") -> tuple[Placed, ...]:
    """The chain of placed nodes written by ``spec`` (see the module doc)."""
    if isinstance(spec, (list, tuple)):
        chain: list[Placed] = []
        for i, item in enumerate(spec):
            chain.extend(parse(item, f"{path}[{i}]"))
        return tuple(chain)
    node = _node(spec, path)
    if not isinstance(node, BranchingNode):
        return (Placed(node, path),)
    branches: list[tuple[str, tuple[Placed, ...]]] = []
    for key, sub in node.branches.items():
        branch = parse(sub, f"{path}.branches.{key}")
        if not branch:
            raise ConfigError(f"{path}.branches.{key}", "expected at least one node (a transform or a label)")
        branches.append((key, branch))
    return (Placed(node, path, tuple(branches)),)


def walk(chain: tuple[Placed, ...]):
    """Every placed node of ``chain``, depth first, in the order they are written."""
    for placed in chain:
        yield placed
        for _, sub in placed.branches:
            yield from walk(sub)


def _node(spec: Any, path: str) -> Node:
    if isinstance(spec, (TransformNode, ClassLabelNode, BranchingNode)):
        return spec
    if isinstance(spec, str):
        return ClassLabelNode(spec)
    if isinstance(spec, Mapping) and any(key in spec for key in DATA_KEYS):
        return data_node(spec, path)
    if isinstance(spec, Mapping):
        branches = {k: v for k, v in spec.items() if k not in RESERVED_KEYS}
        try:
            return BranchingNode(branches, probs=spec.get("probs"), name=spec.get("name"))
        except ConfigError as err:
            raise err.within(path) from None
    if callable(spec):
        try:
            return TransformNode(spec)
        except ConfigError as err:
            raise err.within(path) from None
    raise ConfigError(path, "expected a callable, a label string, a dict of branches, a node, "
                      f"or a list of these; got {spec!r}")


def data_node(spec: Mapping, path: str) -> Node:
    """A node written in the file form (the module doc); the schema (driftlab.schema) words the errors of
    a scenario file, these are the same rules for a tree built in Python."""
    kinds = [key for key in DATA_KEYS if key in spec]
    extra = [key for key in spec if key not in DATA_KEYS[kinds[0]]]
    if len(kinds) != 1 or extra:
        raise ConfigError(path, f"expected one of {{transform, name, args}}, {{label}} or {{branch, branches}}, "
                          f"got the keys {', '.join(map(str, spec))}")
    if kinds[0] == "label":
        return ClassLabelNode(spec["label"])
    if kinds[0] == "branch":
        try:
            return BranchingNode(spec.get("branches") or {}, name=spec["branch"])
        except ConfigError as err:
            raise err.within(path) from None
    from .registry import TRANSFORMS  # the registry's built-ins live in the library, which imports this module

    fn = TRANSFORMS.get(spec["transform"], f"{path}.transform")
    try:
        return TransformNode(functools.partial(fn, **spec["args"]) if spec.get("args") else fn,
                             name=spec.get("name"))
    except ConfigError as err:
        raise err.within(path) from None


def unwrap(fn: Callable) -> Callable:
    """The function inside ``functools.partial`` layers (a transform with fixed arguments)."""
    while isinstance(fn, functools.partial):
        fn = fn.func
    return fn


def _callable_name(fn: Callable) -> str:
    fn = unwrap(fn)
    return getattr(fn, "__name__", type(fn).__name__)


def _check_name(name: Any, path: str) -> str:
    if not isinstance(name, str) or not name or name.startswith(".") or name.endswith("."):
        raise ConfigError(path, f"expected a non-empty name, got {name!r}")
    return name


def _definitions(params: Any, scope: str) -> dict[str, dict]:
    """Inline parameters as definitions by name relative to the node's scope (validated now)."""
    if params is None:
        return {}
    if isinstance(params, Parameter):
        params = [params]
    try:
        store = params if isinstance(params, ParameterStore) else ParameterStore(params)
    except ConfigError as err:
        raise err.within(scope) from None
    return {name: store[name].definition() for name in store.names}


def _probs_definition(probs: Any) -> dict | None:
    if probs is None:
        return None
    if isinstance(probs, Parameter):
        return probs.definition()
    if isinstance(probs, Mapping):
        return dict(probs)
    if isinstance(probs, np.ndarray):
        probs = probs.tolist()
    return {"value": probs}

