"""SamplingTree: a labeled, drifting data stream drawn from a tree of transforms.

A sample starts as ``None`` at the root and is passed through the transforms on one
root-to-leaf path; branching nodes choose the path, label nodes set its label. The shorthand
and the nodes are described in :mod:`driftlab.nodes`.

Parameters live in one :class:`~driftlab.parameters.ParameterStore` (``tree.params``): a transform
named ``ramp`` gets the parameters of scope ``ramp`` and the top-level parameters its signature
names, read from the store at call time, so ``tree.params`` always shows what the transforms
use. A branching node named ``classes`` takes its probabilities from ``classes.probs``;
unnamed branching nodes are named ``branching_node``, ``branching_node_1``, ... in the order
they are written. A scope that no node is named after is rejected as a typo, as is a scoped
parameter its transform does not take; signatures are read once, when the tree is built.

Paths are never listed (8 branching nodes of 4 branches in a row make 65,536): the tree is held
as segments, the nodes from a branch to the next branching node, shared by every path through
them, so building it costs O(nodes). Sampling draws one uniform per sample of a chunk of
``DRAW_CHUNK`` (4096) samples; it picks the sample's branch at each branching node of its path
in turn (``SamplingTree._groups``), which draws a path with the product of its branch
probabilities, as one uniform choice among all paths in tree order would. Then each path taken
runs its transforms on its group of samples, in tree order (a batched transform once per group
with stacked inputs, any other once per sample), and the results are written into the result in
sample order; ``collect``, ``batch`` and ``batches`` make the same draws.

Randomness: the ``d``-th draw (a call of ``sample``, ``collect``, ``batch`` or ``batches``, counted
from 0) since the tree moved to step ``k`` uses the Generator ``default_rng(draw_seed(seed, k, d))``
(:mod:`driftlab.seeds`) for its first 4096 samples, and ``default_rng(child_seed(draw_seed(seed, k,
d), c))`` for its chunk ``c ≥ 1``, for its branch choices and for every transform that declares
``rng``. Moving to a step (``update``, ``set_update_step``, even to the
current step) restarts its count, so ``set_update_step(k)`` then ``batch(n)`` returns exactly
the first batch of ``n`` drawn at step ``k``, in any process.

>>> import numpy as np
>>> def noise(x, scale, rng):
...     return rng.normal(0.0, scale, 3)
>>> def shift(x, by):
...     return x + by
>>> tree = SamplingTree([noise, {"name": "kind", "probs": [0.5, 0.5],
...                              "up": [shift, "up"], "flat": "flat"}],
...                     params={"noise": {"scale": 0.1}, "shift": {"by": {"schedule": [1.0, 5.0]}}}, rng=42)
>>> X, y = tree.batch(4)
>>> X.shape, sorted(set(y.tolist()))
((4, 3), ['flat', 'up'])
>>> tree.update()
{'kind.probs': [0.5, 0.5], 'noise.scale': 0.1, 'shift.by': 5.0}
>>> _ = tree.set_update_step(0)  # replays step 0 from its first draw
>>> bool(np.array_equal(tree.batch(4)[0], X))
True
"""
from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from .config import did_you_mean
from .distributions import as_distribution
from .errors import ConfigError
from .extras import require
from .nodes import BranchingNode, ClassLabelNode, Placed, TransformNode, append_label, parse, set_label, walk
from .parameters import ParameterStore
from .seeds import child_seed, draw_seed, held_out_seed

STRATEGIES = ("stochastic", "balanced", "balanced pruned")
DRAW_CHUNK = 4096  # samples drawn (and held as path outputs) at a time: see SamplingTree._chunks
_BELOW_ONE = np.nextafter(1.0, 0.0)


@dataclass(frozen=True, eq=False)
class _Transform:
    """A transform bound to the store: ``bindings`` are (keyword, parameter name) pairs."""

    node: TransformNode
    path: str
    bindings: tuple[tuple[str, str], ...]

    def kwargs(self, store: ParameterStore) -> dict[str, Any]:
        return {keyword: store[name].value for keyword, name in self.bindings}

    def __call__(self, xs: Any, store: ParameterStore, rng: np.random.Generator) -> Any:
        fn, kwargs = self.node.fn, self.kwargs(store)
        if self.node.wants_rng:
            kwargs["rng"] = rng
        try:
            if not self.node.batched:
                return [fn(x, **kwargs) for x in xs]
            out = fn(_stack(xs), **kwargs)
        except Exception as exc:
            if sys.version_info >= (3, 11):  # Python 3.10 has no exception notes
                exc.add_note(f"in transform {self.node.name!r} at {self.path}")
            raise
        if not hasattr(out, "__len__") or len(out) != len(xs):
            raise ConfigError(self.path, f"batched transform {self.node.name!r} must return one output per "
                              f"sample of its group of {len(xs)}, got {type(out).__name__}")
        return out


@dataclass(frozen=True, eq=False)
class _Branch:
    """A branching node with its resolved name; ``probs`` is the store name of its probabilities."""

    placed: Placed
    name: str
    probs: str | None

    @property
    def size(self) -> int:
        return len(self.placed.branches)


@dataclass(frozen=True, eq=False)
class _Segment:
    """What a sample passes up to its next branching node, and the segment each branch leads to.

    The segments of a tree are its root-to-leaf paths shared out: a path is one segment per
    branching node it passes, so a tree holds O(nodes) segments however many paths it has.
    """

    transforms: tuple[_Transform, ...]
    labels: tuple[ClassLabelNode, ...]
    branch: _Branch | None = None
    children: tuple[_Segment, ...] = ()


class SamplingTree:
    """A tree of transforms, branches and labels that draws labeled samples (see the module doc).

    ``nodes`` is the shorthand of :mod:`driftlab.nodes`; ``params`` a ParameterStore (used as is),
    a nested dict or a DataFrame for one (built with the tree's seed); ``rng`` a seed, a
    Generator (the seed it was made from is used, not its state) or None (fresh entropy,
    kept in ``tree.seed``). With ``multi_label=True`` label strings append to the sample's
    tuple of labels (empty when it has none) instead of replacing its label.

    >>> tree = SamplingTree([lambda x: 1.0, {"a": "A", "b": "B"}], rng=0)
    >>> x, label = tree.sample()
    >>> x, label in ("A", "B")
    (1.0, True)
    >>> [label for _, label in tree.collect(2, strategy="balanced")]
    ['A', 'A', 'B', 'B']
    """

    def __init__(self, nodes: Any, params: ParameterStore | Mapping | pd.DataFrame | None = None,
                 rng: int | np.random.Generator | None = None, multi_label: bool = False):
        self.seed = _seed_of(rng)
        self.multi_label = bool(multi_label)
        self._chain = parse(nodes, "tree")
        if not self._chain:
            raise ConfigError("tree", "expected at least one node")
        placed = list(walk(self._chain))
        names = _branch_names(placed)
        self._scopes = _transform_scopes(placed, set(names.values()))
        self.params = self._store(params, placed, names)
        self._branches = {p: _Branch(p, name, f"{name}.probs" if f"{name}.probs" in self.params else None)
                          for p, name in names.items()}
        self._transforms = {p: self._bind(p) for p in placed if isinstance(p.node, TransformNode)}
        self._check_scopes(placed)
        for branch in self._branches.values():
            self._probs(branch)
        self._root = self._segment(self._chain, {})
        self._segments = list(_segments(self._root, set()))
        index = {segment: i for i, segment in enumerate(self._segments)}
        self._children = [np.array([index[c] for c in s.children], dtype=np.intp) for s in self._segments]
        self._forks = np.array([s.branch is not None for s in self._segments])
        self._unlabelled = () if self.multi_label else None  # the label a sample has before any label node
        self._label_values, self._label_code = None, {}
        if self.multi_label and not any(node.label_func for s in self._segments for node in s.labels):
            items = self._appended(self._root, {})  # without listing the label tuples, as many as the paths
        else:
            labels = self._labels(self._root, self._unlabelled, {})
            items = [item for label in labels for item in (label if self.multi_label else [label])]
            if not self.multi_label:  # every label's row in one array: y has one dtype whichever paths a draw takes
                self._label_values = _label_array(labels, False)
                self._label_code = {_key(label): i for i, label in enumerate(labels)}
        self.classes = list(dict.fromkeys(item for item in items if item is not None))
        self._probabilities_cache: tuple[tuple, dict[_Branch, tuple[np.ndarray, np.ndarray]]] | None = None
        self._draw_step, self._draws = self.params.update_step, 0

    # -- construction ---------------------------------------------------------------------------

    def _store(self, params: Any, placed: list[Placed], names: dict) -> ParameterStore:
        """The tree's store: ``params`` plus the parameters given inline on the nodes."""
        if isinstance(params, ParameterStore):
            store = params
        elif isinstance(params, pd.DataFrame):
            store = ParameterStore.from_dataframe(params, seed=self.seed)
        elif params is None or isinstance(params, Mapping):
            store = ParameterStore(params, seed=self.seed)
        else:
            raise ConfigError("params",
                              f"expected a ParameterStore, a dict or a DataFrame, got {type(params).__name__}")
        inline: dict[str, Any] = {}
        seen: set[int] = set()
        for p in placed:
            if isinstance(p.node, TransformNode) and id(p.node) not in seen:
                seen.add(id(p.node))
                definitions = {f"{self._scopes[id(p.node)]}.{k}": v for k, v in p.node.params.items()}
            elif isinstance(p.node, BranchingNode) and p.node.probs is not None:
                definitions = {f"{names[p]}.probs": p.node.probs}
            else:
                continue
            for name in definitions:
                if name in store or name in inline:
                    raise ConfigError(f"{p.path}.params", f"parameter {name!r} is defined twice (inline and in "
                                      "the tree's params, or inline on two nodes of one name)")
            inline.update(definitions)
        if not inline:
            return store
        extra = ParameterStore(inline, seed=self.seed)
        extra.set_update_step(store.update_step)
        return store | extra

    def _bind(self, placed: Placed) -> _Transform:
        """Which store parameter feeds which keyword of a transform (checked here, once)."""
        node, store = placed.node, self.params
        assert isinstance(node, TransformNode)  # __init__ binds transforms only
        scope = self._scopes[id(node)]
        prefix = scope + "."
        bindings = {}
        for name in store.names:
            if name.startswith(prefix):
                keyword = name[len(prefix):]
                if (keyword not in node.arguments and not node.takes_any) or keyword == "rng":
                    raise ConfigError(name, f"is not a parameter of transform {node.name!r} at {placed.path}; it "
                                      f"accepts {', '.join(sorted(node.arguments)) or 'none'}"
                                      + did_you_mean(keyword, sorted(node.arguments)))
                bindings[keyword] = name
        for keyword in node.arguments - bindings.keys() - {"rng"}:
            if keyword in store:  # a global parameter, shared with every transform that names it
                bindings[keyword] = keyword
        missing = sorted(node.required - bindings.keys() - {"rng"})
        if missing:
            raise ConfigError(f"{scope}.{missing[0]}", f"transform {node.name!r} at {placed.path} needs "
                              f"{missing[0]!r}: define parameter '{scope}.{missing[0]}' or a global '{missing[0]}'")
        return _Transform(node, placed.path, tuple(sorted(bindings.items())))

    def _check_scopes(self, placed: list[Placed]) -> None:
        """Every scoped parameter belongs to a node: a scope no node is named after is a typo."""
        scopes = set(self._scopes.values())
        for branch in self._branches.values():
            if branch.name in scopes:
                raise ConfigError(branch.placed.path, f"branching node {branch.name!r} has the name of a transform; "
                                  "each needs its own scope")
            extra = [n for n in self.params.names if n.startswith(branch.name + ".") and n != branch.probs]
            if extra:
                raise ConfigError(extra[0], f"a branching node's scope holds only 'probs' ({branch.placed.path})")
        known = scopes | {b.name for b in self._branches.values()}
        for name in self.params.names:
            if "." in name and not any(name.startswith(scope + ".") for scope in known):
                raise ConfigError(name, "is in a scope that no node of the tree is named after; nodes: "
                                  + ", ".join(sorted(known)) + did_you_mean(name.split(".")[0], sorted(known)))

    def _probs(self, branch: _Branch, k: int | None = None) -> np.ndarray:
        """The probabilities of ``branch`` at step ``k``, checked (without ``k``: every step we can see)."""
        if branch.probs is None:
            return np.full(branch.size, 1.0 / branch.size)
        # name the field where it was written: inline on the node, or in the parameters
        parameter = self.params[branch.probs]
        node = branch.placed.node
        assert isinstance(node, BranchingNode)
        inline = node.probs is not None
        path = f"{branch.placed.path}.probs" if inline else branch.probs
        where = "" if inline else f" (branching node at {branch.placed.path})"
        if k is None:  # every value written: the definition's and each recorded edit's
            definition = parameter.definition()
            values = [parameter.value]
            for part in [definition, *definition.get("edits", [])]:
                values += [part["value"]] if "value" in part else []
                values += list(part.get("schedule") or [])
        else:
            values = [parameter[k]]
        for value in values:
            try:
                p = as_distribution(value, path)
            except ConfigError as err:
                raise ConfigError(err.path, err.problem + where) from None
            if p.size != branch.size:
                raise ConfigError(path, f"expected {branch.size} probabilities (branches "
                                  f"{', '.join(node.keys)}), got {p.size}" + where)
        return p

    def _segment(self, chain: tuple[Placed, ...], memo: dict) -> _Segment:
        """The segment that starts ``chain`` (memoised: the branches of a node share what follows it)."""
        if chain not in memo:
            end = next((i for i, p in enumerate(chain) if p.branches), len(chain))
            head = chain[:end]
            transforms = tuple(self._transforms[p] for p in head if isinstance(p.node, TransformNode))
            labels = tuple(p.node for p in head if isinstance(p.node, ClassLabelNode))
            if end == len(chain):
                memo[chain] = _Segment(transforms, labels)
            else:
                rest = chain[end + 1:]
                memo[chain] = _Segment(transforms, labels, self._branches[chain[end]],
                                       tuple(self._segment(sub + rest, memo) for _, sub in chain[end].branches))
        return memo[chain]

    def _label(self, label: Any, segment: _Segment) -> Any:
        """The label after ``segment``'s label nodes, from the label before it."""
        for node in segment.labels:
            label_func = node.label_func or (append_label if self.multi_label else set_label)
            label = label_func(label, node.label)
        return label

    def _labels(self, segment: _Segment, label: Any, memo: dict) -> list:
        """The distinct labels of the paths from ``segment`` on, first seen first, in tree order.

        Memoised on (segment, label so far): a single-label tree has few of each, so this costs
        O(segments × labels) rather than one call per path.
        """
        key = (segment, _key(label))
        if key not in memo:
            label = self._label(label, segment)
            found = {_key(label): label} if segment.branch is None else {}
            for child in segment.children:
                for x in self._labels(child, label, memo):
                    found.setdefault(_key(x), x)
            memo[key] = list(found.values())
        return memo[key]

    def _appended(self, segment: _Segment, memo: dict) -> list:
        """The distinct labels that paths from ``segment`` on append (multi-label, default label function).

        Rule: a path's labels are those of its segments in order, so the labels of all paths from
        a segment, first seen first, are its own then those of each branch in turn: O(segments).
        """
        if segment not in memo:
            found = dict.fromkeys(node.label for node in segment.labels)
            for child in segment.children:
                found.update(dict.fromkeys(self._appended(child, memo)))
            memo[segment] = list(found)
        return memo[segment]

    def _count(self, segment: _Segment, pruned: bool, memo: dict) -> int:
        """The number of paths from ``segment`` on (``pruned``: those of non-zero probability)."""
        if segment.branch is None:
            return 1
        if segment not in memo:
            probs = self._branch_probabilities()[segment.branch][0]
            memo[segment] = sum(self._count(child, pruned, memo)
                                for child, p in zip(segment.children, probs, strict=True) if p > 0 or not pruned)
        return memo[segment]

    @property
    def position(self) -> tuple[int, int]:
        """``(step, draws)``: the update step, and the number of draws made since the tree moved to it."""
        fresh = self.params.update_step != self._draw_step  # the store was moved directly
        return self.update_step, 0 if fresh else self._draws

    def seek(self, step: int, draws: int = 0) -> None:
        """Go to a saved :attr:`position`: the next draw is the one that followed it."""
        if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 0:
            raise ConfigError("draws", f"expected an integer >= 0, got {draws!r}")
        self.set_update_step(step)
        self._draws = int(draws)

    @property
    def chain(self) -> tuple[Placed, ...]:
        """The parsed nodes, each with its path (see :func:`driftlab.nodes.parse`)."""
        return self._chain

    def branch_name(self, placed: Placed) -> str:
        """The name of a branching node of this tree: the scope of its ``probs``."""
        return self._branches[placed].name

    # -- steps ------------------------------------------------------------------------------------

    @property
    def update_step(self) -> int:
        """The current update step ``k``."""
        return self.params.update_step

    def set_update_step(self, k: int) -> dict[str, Any]:
        """Move to step ``k`` (its draws start over, see the module doc); returns the parameter values."""
        for branch in self._branches.values():
            self._probs(branch, k)
        values = self.params.set_update_step(k)
        self._draw_step, self._draws = k, 0
        return values

    def update(self) -> dict[str, Any]:
        """Move to the next step; returns the parameter values."""
        return self.set_update_step(self.update_step + 1)

    def get_params(self) -> dict[str, Any]:
        """The current parameter values, flat and sorted by name."""
        return self.params.get_params()

    def change_points(self, k_end: int) -> list[int]:
        """The steps ``1..k_end`` at which some parameter of the tree changes."""
        return self.params.change_points(k_end)

    # -- sampling ---------------------------------------------------------------------------------

    def sample(self) -> tuple[Any, Any]:
        """One ``(x, label)`` (one draw)."""
        return self.collect(1)[0]

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        return self

    def __next__(self) -> tuple[Any, Any]:
        return self.sample()

    def collect(self, n: int, strategy: str = "stochastic", progress: bool = False) -> list[tuple[Any, Any]]:
        """``n`` samples as a list of ``(x, label)``; the balanced strategies give ``n`` per path.

        ``"balanced"`` takes every root-to-leaf path in tree order, ``"balanced pruned"`` only
        the paths whose probability is not zero. ``progress`` prints a bar to stderr.
        """
        codes, labels, outputs = self._draw(n, strategy, progress)
        xs: list[Any] = [None] * len(codes)
        for idx, out in outputs:
            for j, i in enumerate(idx):
                xs[i] = out[j]
        return [(x, labels[c]) for x, c in zip(xs, codes.tolist(), strict=True)]

    def batch(self, n: int, strategy: str = "stochastic", progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """``n`` samples as arrays ``(X, y)``: the fast path, same draws as :meth:`collect`.

        ``X`` stacks the samples on a first axis (an object array when their shapes or types
        differ). ``y`` holds the labels: a str array for string labels, an int array for integer
        labels, otherwise (tuples of a multi-label tree, ``None``) an object array.
        """
        return self._batch(n, strategy, progress)

    def batch_at(self, n: int, draws: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``(X, y)`` that :meth:`batch` ``(n)`` returns as draw ``draws`` of the current step,
        leaving the stream's draws where they are.

        Rule: a draw is a function of the seed, the step, its index and the parameters at the step
        (transforms are pure functions of their input, parameters and ``rng``), so it can be made
        ahead of its turn (the Monitor's prefetch); :meth:`skip` then counts it as made.

        >>> tree = SamplingTree([lambda x, rng: rng.normal(), "a"], rng=0)
        >>> X_ahead, _ = tree.batch_at(4, 1)
        >>> _ = tree.batch(4)
        >>> bool((tree.batch(4)[0] == X_ahead).all())
        True
        """
        draws = _check_count(draws, "draws")
        return self._batch(n, "stochastic", False, draw_seed(self.seed, self.update_step, draws))

    def skip(self) -> None:
        """Count one draw of the current step as made (one drawn ahead by :meth:`batch_at`)."""
        self._next_seed()

    def held_out(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """``n`` samples at the current step from a held-out stream, as arrays ``(X, y)``.

        They come from their own seed (:func:`driftlab.seeds.held_out_seed`), so they never repeat a
        batch of the stream, and drawing them leaves the stream's draws where they were: the
        evaluation set of an experience is the same whenever it is drawn.
        """
        return self._batch(n, "stochastic", False, held_out_seed(self.seed, self.update_step))

    def experiences(self, n_experiences: int, samples_per_experience: int,
                    strategy: str = "stochastic") -> list[tuple[np.ndarray, np.ndarray]]:
        """Batches at steps ``k, k+1, ...`` from the current ``k``; the tree ends on the last.

        Experience ``i`` is the first draw at step ``k + i``, so ``set_update_step(k + i)`` then
        ``batch(samples_per_experience)`` replays it.
        """
        start = self.update_step
        out = []
        for i in range(_check_count(n_experiences, "n_experiences")):
            self.set_update_step(start + i)
            out.append(self.batch(samples_per_experience, strategy))
        return out

    def batches(self, n: int, size: int, strategy: str = "stochastic") -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """The samples of :meth:`batch` ``(n)``, in its order, as ``(X, y)`` chunks of ``size`` (the last
        may be shorter): one draw of the stream, made a chunk at a time.

        Memory is bounded by one chunk plus one internal chunk (``DRAW_CHUNK`` samples), whatever
        ``n``. The draw is taken when this is called, so the stream moves on as ``batch(n)`` would.
        A chunk stacks like ``batch``'s ``X`` when its samples do (a chunk whose samples differ in
        shape is an object array of them).

        >>> from driftlab.library import time_series
        >>> X, y = time_series(seed=0).batch(10)
        >>> chunks = list(time_series(seed=0).batches(10, 4))
        >>> [len(c[0]) for c in chunks], bool((np.concatenate([c[0] for c in chunks]) == X).all())
        ([4, 4, 2], True)
        """
        size = _check_count(size, "size")
        if size < 1:
            raise ConfigError("size", f"expected an integer >= 1, got {size!r}")
        chunks = self._chunks(n, strategy, False, self._next_seed())
        return self._rechunk(chunks, size)

    def _rechunk(self, chunks: Iterator[tuple[np.ndarray, list, _Assembler]], size: int):
        pieces: list[tuple[np.ndarray, np.ndarray]] = []
        held = 0
        for codes, labels, sink in chunks:
            pieces.append((sink.result(len(codes)), self._y(codes, labels)))
            held += len(codes)
            while held >= size:
                out, pieces = _split(pieces, size)
                held -= size
                yield out
        if held:
            yield _split(pieces, held)[0]

    def _batch(self, n: int, strategy: str, progress: bool,
               seed: np.random.SeedSequence | None = None) -> tuple[np.ndarray, np.ndarray]:
        """One draw as arrays ``(X, y)``: each path's output is written into ``X`` as soon as it is made."""
        sink = _Assembler()
        ys = [self._y(codes, labels) for codes, labels, _ in self._chunks(n, strategy, progress, seed, sink)]
        y = np.concatenate(ys) if ys else self._y(np.empty(0, np.intp), [])
        return sink.result(len(y)), y

    def _draw(self, n: int, strategy: str, progress: bool,
              seed: np.random.SeedSequence | None = None) -> tuple[np.ndarray, list, list]:
        """One draw: each sample's index into a list of labels, that list, and ``(sample indices, outputs)``
        per path and chunk."""
        codes: list[np.ndarray] = []
        labels: list[Any] = []
        outputs: list[tuple[np.ndarray, Any]] = []
        for chunk_codes, chunk_labels, chunk_outputs in self._chunks(n, strategy, progress, seed, None):
            codes.append(chunk_codes + len(labels))
            labels.extend(chunk_labels)
            outputs.extend(chunk_outputs)
        return np.concatenate(codes or [np.empty(0, np.intp)]), labels, outputs

    def _y(self, codes: np.ndarray, labels: list) -> np.ndarray:
        """The labels ``labels[codes]`` as ``batch``'s ``y`` (its dtype is the tree's, not the draw's)."""
        if self._label_values is None:  # multi-label: tuples, one object each
            values = np.empty(len(labels), dtype=object)
            for i, label in enumerate(labels):
                values[i] = tuple(label)
            return values[codes]
        return self._label_values[np.array([self._label_code[_key(label)] for label in labels], np.intp)][codes]

    def _chunks(self, n: int, strategy: str, progress: bool, seed: np.random.SeedSequence | None,
                sink: _Assembler | bool | None = True) -> Iterator[tuple[np.ndarray, list, Any]]:
        """One draw (the stream's next seed unless ``seed`` is given), ``DRAW_CHUNK`` samples at a time.

        Rule: the draw's samples are cut into chunks of ``DRAW_CHUNK`` in sample order; chunk ``c``
        uses ``default_rng(seed)`` for ``c = 0`` and ``default_rng(child_seed(seed, c))`` after, for
        its branch choices (stochastic: one uniform per sample, see :meth:`_groups`) and then its
        transforms, run path by path in tree order on each path's samples. Yields per chunk each
        sample's index into a list of path labels, that list, and: the outputs ``(sample indices,
        outputs)`` (``sink=None``), a shared ``sink`` written with indices into the whole draw, or
        (``sink=True``) a fresh sink of the chunk alone.
        """
        n = _check_count(n, "n")
        if strategy not in STRATEGIES:
            raise ConfigError("strategy", f"expected one of {', '.join(map(repr, STRATEGIES))}, got {strategy!r}"
                              + did_you_mean(str(strategy), list(STRATEGIES)))
        seed = seed if seed is not None else self._next_seed()
        probabilities = self._branch_probabilities()
        total, paths = n, None
        if strategy != "stochastic":  # n samples of each path in tree order, the paths listed as they are reached
            pruned = strategy == "balanced pruned"
            total = n * self._count(self._root, pruned, {})
            paths = self._paths(self._root, (), self._unlabelled, pruned, probabilities)
        path: tuple = ()
        left = 0
        bar = _ProgressBar(total) if progress else None
        for c, start in enumerate(range(0, total, DRAW_CHUNK)):
            rng = np.random.default_rng(seed if c == 0 else child_seed(seed, c))
            m = min(DRAW_CHUNK, total - start)
            groups: list[tuple[tuple[_Transform, ...], Any, np.ndarray]] = []
            if paths is None:
                groups = self._groups(rng.random(m), probabilities)
            else:
                done = 0
                while done < m:
                    if not left:
                        path, left = next(paths), n
                    take = min(left, m - done)
                    groups.append((*path, np.arange(done, done + take)))
                    done, left = done + take, left - take
            codes = np.empty(m, dtype=np.intp)
            target = _Assembler() if sink is True else sink
            offset = 0 if sink is True else start
            outputs = []
            for code, (transforms, _, idx) in enumerate(groups):
                codes[idx] = code
                xs: Any = np.full(len(idx), None, dtype=object)
                for transform in transforms:
                    xs = transform(xs, self.params, rng)
                if isinstance(target, _Assembler):
                    target.add(total if sink is not True else m, idx + offset, xs)
                else:
                    outputs.append((idx + offset, xs))
                del xs  # a path's output is freed once written: the peak is the result and one path's output
                if bar:
                    bar.advance(len(idx))
            yield codes, [label for _, label, _ in groups], (target if isinstance(target, _Assembler) else outputs)

    def _groups(self, u: np.ndarray, probabilities: dict) -> list[tuple[tuple[_Transform, ...], Any, np.ndarray]]:
        """The ``(transforms, label, sample indices)`` of each path that samples of uniforms ``u`` take.

        Rule: a sample's uniform ``u`` picks branch ``b`` of a branching node where
        ``C[b-1] <= u < C[b]`` (``C`` its cumulative probabilities, ``C[-1] = 0``), and
        ``(u - C[b-1]) / p[b]`` picks its branch at the next branching node of its path. So a path
        is drawn with the product of its branch probabilities, as one uniform choice among all
        paths in tree order would, with work per branching node reached rather than per path.
        Paths come out in tree order, the samples of each in ascending order.
        """
        m = len(u)
        at = np.zeros(m, dtype=np.intp)  # each sample's segment (index into self._segments; 0 is the root)
        columns = []  # column i: the branch each sample takes at the i-th branching node of its path (-1: none)
        active = np.flatnonzero(self._forks[at])
        while active.size:
            column = np.full(m, -1, dtype=np.intp)
            order = active[np.argsort(at[active], kind="stable")]
            segments, starts = np.unique(at[order], return_index=True)
            for s, members in zip(segments.tolist(), np.split(order, starts[1:]), strict=True):
                cumulative = probabilities[self._segments[s].branch][1]
                pick = np.searchsorted(cumulative, u[members], side="right")
                low = np.concatenate(([0.0], cumulative[:-1]))[pick]
                # rounding may give exactly 1, which no branch takes: stay below it
                u[members] = np.minimum((u[members] - low) / (cumulative[pick] - low), _BELOW_ONE)
                column[members] = pick
                at[members] = self._children[s][pick]
            columns.append(column)
            active = active[self._forks[at[active]]]
        if not columns:
            return [(self._root.transforms, self._label(self._unlabelled, self._root), np.arange(m))]
        order = np.lexsort(columns[::-1])  # tree order: by the first branch, then the next, ...; stable
        keys = np.stack(columns, axis=1)[order]
        starts = np.flatnonzero(np.r_[True, np.any(keys[1:] != keys[:-1], axis=1)])
        groups = []
        for start, end in zip(starts.tolist(), [*starts[1:].tolist(), m], strict=True):
            segment = self._root
            transforms, label = segment.transforms, self._label(self._unlabelled, segment)
            for b in keys[start].tolist():
                if b < 0:
                    break
                segment = segment.children[b]
                transforms, label = transforms + segment.transforms, self._label(label, segment)
            groups.append((transforms, label, order[start:end]))
        return groups

    def _paths(self, segment: _Segment, transforms: tuple[_Transform, ...], label: Any, pruned: bool,
               probabilities: dict) -> Iterator[tuple[tuple[_Transform, ...], Any]]:
        """Every path from ``segment`` on as ``(transforms, label)``, in tree order (``pruned``: of non-zero
        probability)."""
        transforms += segment.transforms
        label = self._label(label, segment)
        if segment.branch is None:
            yield transforms, label
            return
        for child, p in zip(segment.children, probabilities[segment.branch][0], strict=True):
            if p > 0 or not pruned:
                yield from self._paths(child, transforms, label, pruned, probabilities)

    def _next_seed(self) -> np.random.SeedSequence:
        if self.params.update_step != self._draw_step:  # the store was moved directly
            self._draw_step, self._draws = self.params.update_step, 0
        seed = draw_seed(self.seed, self._draw_step, self._draws)
        self._draws += 1
        return seed

    def _branch_probabilities(self) -> dict[_Branch, tuple[np.ndarray, np.ndarray]]:
        """Each branching node's probabilities at this step, and their cumulative sums scaled to end
        at exactly 1 (kept while the store's values are the same objects)."""
        values = tuple(self.params[b.probs].value if b.probs else None for b in self._branches.values())
        cached = self._probabilities_cache
        if cached is not None and len(cached[0]) == len(values) and all(
                a is b for a, b in zip(cached[0], values, strict=True)):
            return cached[1]
        tables = {}
        for branch in self._branches.values():
            probs = self._probs(branch, self.update_step)
            cumulative = np.cumsum(probs)
            tables[branch] = (probs, cumulative / cumulative[-1])
        self._probabilities_cache = (values, tables)
        return tables

    # -- labels and torch -------------------------------------------------------------------------

    def encode(self, y: Any) -> np.ndarray:
        """Labels as class indices into ``tree.classes`` (a 0/1 matrix for a multi-label tree).

        >>> tree = SamplingTree({"a": "cat", "b": "dog"}, rng=0)
        >>> tree.classes, tree.encode(["dog", "cat"]).tolist()
        (['cat', 'dog'], [1, 0])
        """
        if self.multi_label:
            index = {label: i for i, label in enumerate(self.classes)}
            out = np.zeros((len(y), len(self.classes)), dtype=np.float32)
            for row, labels in enumerate(y):
                out[row, [index[label] for label in labels]] = 1.0
            return out
        codes = pd.Categorical(pd.Series(np.asarray(y, dtype=object)), categories=self.classes).codes
        if np.any(codes < 0):
            bad = np.asarray(y, dtype=object)[codes < 0][0]
            raise ConfigError("y", f"label {bad!r} is not one of the tree's classes {self.classes}")
        return codes.astype(np.int64)

    def to_dataset(self, X: Any, y: Any):
        """An experience ``(X, y)`` as a ``torch.utils.data.TensorDataset`` of float32 X and encoded y.

        Its ``classes`` and ``class_to_idx`` attributes give the label <-> index mapping, the same
        for every experience of this tree (labels in tree order).
        """
        torch = require("torch", "SamplingTree.to_dataset")

        dataset = torch.utils.data.TensorDataset(torch.as_tensor(np.asarray(X, dtype=np.float32)),
                                                 torch.as_tensor(self.encode(y)))
        dataset.classes = list(self.classes)
        dataset.class_to_idx = {label: i for i, label in enumerate(self.classes)}
        return dataset

    # -- views ------------------------------------------------------------------------------------

    def to_graph(self) -> dict[str, Any]:
        """The tree as plain data: nodes (id = path), edges (with branch and probability), step, seed.

        Nodes that follow a branching node get an edge from the end of every branch, so the graph
        is the merged DAG the shorthand describes.
        """
        nodes: list[dict[str, Any]] = []
        edges: list[dict[str, Any]] = []

        def link(chain: tuple[Placed, ...], incoming: list) -> list:
            for placed in chain:
                edges.extend({"source": s, "target": placed.path, "branch": key, "probability": prob}
                             for s, key, prob in incoming)
                nodes.append(self._describe(placed))
                if placed.branches:
                    probs = self._probs(self._branches[placed], self.update_step).tolist()
                    incoming = [end for (key, sub), prob in zip(placed.branches, probs, strict=False)
                                for end in link(sub, [(placed.path, key, prob)])]
                else:
                    incoming = [(placed.path, None, None)]
            return incoming

        link(self._chain, [])
        return {"nodes": nodes, "edges": edges, "step": self.update_step, "seed": self.seed}

    def _describe(self, placed: Placed) -> dict[str, Any]:
        node = placed.node
        if isinstance(node, TransformNode):
            return {"id": placed.path, "kind": "transform", "name": node.name, "batched": node.batched,
                    "params": self._transforms[placed].kwargs(self.params)}
        if isinstance(node, ClassLabelNode):
            return {"id": placed.path, "kind": "label", "name": f"label {node.label!r}", "label": node.label}
        branch = self._branches[placed]
        return {"id": placed.path, "kind": "branch", "name": branch.name, "branches": list(node.keys),
                "probs": self._probs(branch, self.update_step).tolist(), "param": branch.probs}

    def to_dot(self) -> str:
        """Graphviz source of :meth:`to_graph` (render it with any Graphviz, none is needed here)."""
        graph = self.to_graph()
        shapes = {"transform": "box", "branch": "diamond", "label": "cds"}
        lines = ["digraph SamplingTree {", "  rankdir=TB;"]
        for node in graph["nodes"]:
            text = node["name"]
            if node.get("params"):
                text += "\n" + ", ".join(f"{k}={_show(v)}" for k, v in node["params"].items())
            lines.append(f'  "{_dot(node["id"])}" [label="{_dot(text)}", shape={shapes[node["kind"]]}];')
        for edge in graph["edges"]:
            label = "" if edge["branch"] is None else f' [label="{_dot(edge["branch"])}\\np={edge["probability"]:.3g}"]'
            lines.append(f'  "{_dot(edge["source"])}" -> "{_dot(edge["target"])}"{label};')
        return "\n".join([*lines, "}"])

    def __str__(self) -> str:
        return "\n".join([f"SamplingTree(step={self.update_step}, seed={self.seed})", *self._lines(self._chain, "")])

    def _lines(self, chain: tuple[Placed, ...], prefix: str) -> Iterator[str]:
        for placed in chain:
            info = self._describe(placed)
            if info["kind"] == "transform":
                args = ", ".join(f"{k}={_show(v)}" for k, v in info["params"].items())
                yield f"{prefix}{info['name']}({args})"
            elif info["kind"] == "label":
                yield prefix + info["name"]
            else:
                yield f"{prefix}<{info['name']}>"
                for b, ((key, sub), p) in enumerate(zip(placed.branches, info["probs"], strict=False)):
                    last = b == len(placed.branches) - 1
                    yield f"{prefix}{'└─' if last else '├─'} {key} (p={p:.3g})"
                    yield from self._lines(sub, prefix + ("   " if last else "│  "))

    def __repr__(self) -> str:
        return (f"SamplingTree({self._count(self._root, False, {})} paths, classes={self.classes}, "
                f"step={self.update_step}, seed={self.seed})")


# -- helpers --------------------------------------------------------------------------------------

def _seed_of(rng: Any) -> int:
    """The tree's integer seed from ``rng`` (see :class:`SamplingTree`)."""
    if rng is None:
        return cast(int, np.random.SeedSequence().entropy)  # a fresh one draws an int from the OS
    if isinstance(rng, np.random.Generator):
        seq = rng.bit_generator.seed_seq
        if not isinstance(seq, np.random.SeedSequence):
            raise ConfigError("rng", "expected a Generator made from a seed (np.random.default_rng(seed))")
        if isinstance(seq.entropy, int) and not seq.spawn_key:
            return seq.entropy
        return int.from_bytes(seq.generate_state(4).tobytes(), "little")
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, (bool, np.bool_)) and rng >= 0:
        return int(rng)
    raise ConfigError("rng", f"expected None, an integer seed >= 0 or a numpy Generator, got {rng!r}")


def _branch_names(placed: list[Placed]) -> dict[Placed, str]:
    """Each branching node's scope name; unnamed ones are numbered in the order they are written."""
    names: dict[Placed, str] = {}
    unnamed = 0
    for p in placed:
        if not isinstance(p.node, BranchingNode):
            continue
        name = p.node.name
        if name is None:
            name = "branching_node" if unnamed == 0 else f"branching_node_{unnamed}"
            unnamed += 1
        if name in names.values():
            raise ConfigError(f"{p.path}.name", f"two branching nodes are named {name!r}; each needs its own scope")
        names[p] = name
    return names


def _transform_scopes(placed: list[Placed], taken: set[str]) -> dict[int, str]:
    """Each transform node's scope (by node identity): its name, unless it keeps inline params to itself.

    Transform nodes that share a name share the scope of that name, as streamgen's nodes all
    fetch the same scope from the tree's parameters. A node given its own inline ``params``
    uses only those, as in streamgen: when another node of the tree has its name, it gets the
    scope ``<name>_1``, ``<name>_2``, ... in the order the nodes are written (the first free
    name), so no node sees another's parameters. Naming nodes explicitly
    (``TransformNode(fn, name=...)``) gives readable scopes instead.
    """
    nodes: dict[int, TransformNode] = {}
    for p in placed:
        if isinstance(p.node, TransformNode):
            nodes.setdefault(id(p.node), p.node)
    count: dict[str, int] = {}
    for node in nodes.values():
        count[node.name] = count.get(node.name, 0) + 1
    taken = taken | set(count)
    scopes: dict[int, str] = {}
    numbered: dict[str, int] = {}
    for key, node in nodes.items():
        scope = node.name
        if node.params and count[node.name] > 1:
            i = numbered.get(node.name, 0)
            while True:
                i += 1
                scope = f"{node.name}_{i}"
                if scope not in taken:
                    break
            numbered[node.name] = i
            taken.add(scope)
        scopes[key] = scope
    return scopes


def _segments(segment: _Segment, seen: set) -> Iterator[_Segment]:
    """``segment`` and the segments after it, each once, ``segment`` first."""
    seen.add(segment)
    yield segment
    for child in segment.children:
        if child not in seen:
            yield from _segments(child, seen)


def _key(label: Any) -> tuple:
    """A label's identity for deduplication: its type and value (1 and 1.0 are different labels)."""
    return type(label), tuple(label) if isinstance(label, list) else label


def _label_array(labels: list, multi_label: bool) -> np.ndarray:
    kinds = {type(label) for label in labels}
    if not multi_label and kinds <= {str, np.str_}:
        return np.array(labels, dtype=str)
    if not multi_label and all(isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in labels):
        return np.array(labels, dtype=np.int64)
    out = np.empty(len(labels), dtype=object)
    out[:] = labels if not multi_label else [tuple(label) for label in labels]
    return out


def _stack(xs: Any) -> np.ndarray:
    """Per-sample outputs stacked on a first axis (an object array when they do not stack)."""
    if isinstance(xs, np.ndarray):
        return xs
    try:
        return np.stack(xs)
    except (ValueError, TypeError):
        out = np.empty(len(xs), dtype=object)
        for i, x in enumerate(xs):
            out[i] = x
        return out


class _Assembler:
    """The outputs of every path put in sample order, each written into the result as it comes.

    Rule: the first numeric path output fixes the result's sample shape; it is allocated once
    (``n`` samples) and each path's output is written into its rows, so no array output is kept
    (one copy; the peak is the result and one path's output). A later numeric output of another
    dtype widens the result to ``np.result_type`` (as stacking them all would); an output of
    another shape, or not numeric, turns the result into an object array holding each path's own
    samples (rows written before are taken back in their path's dtype).
    """

    def __init__(self) -> None:
        self.X: np.ndarray | None = None
        self.parts: list[tuple[np.ndarray, Any, np.dtype]] = []  # written: (indices, list output or None, dtype)
        self.rows: list[tuple[np.ndarray, Any]] | None = None  # (indices, outputs) once it is an object array

    def add(self, n: int, idx: np.ndarray, out: Any) -> None:
        if self.rows is not None:
            self.rows.append((idx, out))
            return
        stacked = _stack(out)
        if stacked.dtype == object or (self.X is not None and self.X.shape[1:] != stacked.shape[1:]):
            self.rows = [(idx, out)]
            return
        if self.X is None:
            self.X = np.empty((n, *stacked.shape[1:]), dtype=stacked.dtype)
        elif (dtype := np.result_type(self.X.dtype, stacked.dtype)) != self.X.dtype:
            self.X = self.X.astype(dtype)
        self.X[idx] = stacked
        self.parts.append((idx, None if isinstance(out, np.ndarray) else out, stacked.dtype))

    def result(self, n: int) -> np.ndarray:
        if self.rows is None:
            return self.X if self.X is not None else np.empty(0)
        X = np.empty(n, dtype=object)
        for idx, raw, dtype in self.parts:
            for j, i in enumerate(idx):
                assert self.X is not None  # parts were written into it
                X[i] = raw[j] if raw is not None else self.X[i].astype(dtype)
        for idx, out in self.rows:
            for j, i in enumerate(idx):
                X[i] = out[j]
        return X if n else np.empty(0)


def _split(pieces: list[tuple[np.ndarray, np.ndarray]], size: int):
    """The first ``size`` samples of ``pieces`` as one ``(X, y)``, and the pieces left."""
    taken, left, need = [], [], size
    for X, y in pieces:
        if need >= len(y):
            taken.append((X, y))
            need -= len(y)
        elif need:
            taken.append((X[:need], y[:need]))
            left.append((X[need:], y[need:]))
            need = 0
        else:
            left.append((X, y))
    if len(taken) == 1:
        return taken[0], left
    Xs = [X for X, _ in taken]
    if len({X.shape[1:] for X in Xs}) == 1 and all(X.dtype != object for X in Xs):
        X = np.concatenate(Xs)
    else:
        X = np.empty(size, dtype=object)
        for i, row in enumerate(row for part in Xs for row in part):
            X[i] = row
    return (X, np.concatenate([y for _, y in taken])), left


def _check_count(n: Any, path: str) -> int:
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ConfigError(path, f"expected an integer >= 0, got {n!r}")
    return int(n)


def _show(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        text = f"{value:.4g}"
        return text if any(c in text for c in ".en") else text + ".0"
    if isinstance(value, (list, tuple, np.ndarray)) and len(value) <= 12:
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return repr(value)


def _dot(text: Any) -> str:
    return str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class _ProgressBar:
    """A dependency-free progress bar on stderr."""

    def __init__(self, total: int, width: int = 30):
        self.total, self.done, self.width = max(total, 1), 0, width

    def advance(self, k: int) -> None:
        self.done += k
        filled = self.width * self.done // self.total
        sys.stderr.write(f"\rsampling [{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total}")
        if self.done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()
