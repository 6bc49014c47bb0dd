"""Scenario files: one YAML document describes a whole experiment.

Sections, in the order a file is written: ``name``, ``description``, ``seed``; ``tree`` (the
sampling tree's topology); ``multi_label`` (``true``: a multi-label tree); ``parameters`` (every
stream parameter, as :class:`ParameterStore` takes them); ``detectors``; ``monitor``; ``model``;
``trainer``; ``buffers``; ``tracking`` (:mod:`driftlab.tracking`).

The tree is written in the one tree format of :mod:`driftlab.nodes` (the same data a
:class:`SamplingTree` takes in Python; :func:`tree_to_spec` writes any tree in it). A file names
code only through the registries (:mod:`driftlab.registry`): a file alone never imports anything.

``Scenario(spec)`` validates the file against the schema (:mod:`driftlab.schema`), as plain data:
nothing is built until :meth:`Scenario.build`; every error is a :class:`~driftlab.errors.ConfigError`
naming the field by its path in the file (``parameters.ramp.height.update.k``) and what was expected.

Overrides, lowest to highest: the file, environment variables ``DRIFTLAB_<PATH>`` (``__``
between levels: ``DRIFTLAB_MONITOR__BATCH_SIZE=128``), then ``--set path=value`` items; values
are parsed as YAML.

Every YAML source (file, upload, override, variable) is read by the same rules: UTF-8 text of at
most :data:`MAX_SCENARIO_BYTES` (an override value :data:`MAX_OVERRIDE_BYTES`), safe YAML only
(libyaml's parser when installed), no anchors or aliases, no duplicate or unhashable keys, at most
:data:`MAX_YAML_DEPTH` levels of nesting; ``1e-3`` is the number 0.001 (YAML 1.2; YAML 1.1 would read
it as text). Stream parameters must be finite numbers (no ``.nan``/``.inf``).

Validation (``Scenario(...)``, ``load_scenario``) calls no registered transform (the stream is not
sampled, so ``in_features`` is the stream's when the run starts) and constructs no model: a model's
settings are bound to its signature, and their values are checked by its constructor at build.

>>> from driftlab.library import SCENARIOS
>>> scenario = SCENARIOS["time_series_drift"]()
>>> again = load_scenario(dump_scenario(scenario))
>>> again.spec == scenario.spec
True
>>> load_scenario("seed: 1\\ntree: [a]\\nmonitr: {}")
Traceback (most recent call last):
...
driftlab.errors.ConfigError: monitr: unknown section; expected one of ... (did you mean 'monitor'?)
"""
from __future__ import annotations

import copy
import functools
import inspect
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from . import buffers as buffer_module
from .config import Config, did_you_mean, from_spec
from .detectors import DriftDetector
from .errors import ConfigError
from . import schema
from .monitor import Monitor, MonitorSettings
from .nodes import ClassLabelNode, TransformNode, unwrap
from .parameters import DEFINITION_KEYS, Parameter, ParameterStore
from .registry import MODELS, TRANSFORMS
from .schema import SECTIONS
from .tree import SamplingTree

COMMENTS = {
    "seed": "One seed reproduces everything: the stream, the detectors' inputs, the model and its training.",
    "tree": "The sampling tree: a list chains nodes; a string is a label; {transform: NAME} a registered\n"
            "transform (name: its scope, args: fixed arguments); {branch: NAME, branches: {...}} a branching\n"
            "node whose probabilities are the parameter NAME.probs (uniform when absent).",
    "multi_label": "true: label nodes append to the sample's set of labels (multi-hot targets, trained with BCE).",
    "parameters": "Stream parameters by scope: a constant; {schedule: [...], strategy: hold | cycle | raise};\n"
                  "or {value: initial, update: {type: UpdateFunction, scheduler: {type: Scheduler, ...}, ...}}.",
    "detectors": "Drift detectors on the monitored metric, by name; the monitor's trigger decides adaptation.",
    "monitor": "The loop: evaluate every batch, aggregate every `interval` batches, detect, adapt.",
    "model": "The classifier: a registered model; in_features / n_classes default to the stream's.",
    "trainer": "Retraining episodes: a strategy (naive, replay, ewc, jvp, jvp_reg, jvp_lookahead) and its settings.",
    "buffers": "Current-regime data (fed by the monitor) and the memory of past regimes.",
    "tracking": "Experiment tracking: backend none | mlflow; uri (default: a local mlruns file store), experiment.",
}
ENV_PREFIX = "DRIFTLAB_"
MAX_YAML_DEPTH = 200  # levels of collections in a YAML source
MAX_SCENARIO_BYTES = 4 * 2**20
MAX_OVERRIDE_BYTES = 64 * 2**10


@dataclass
class Experiment:
    """The built parts of a scenario, wired together: ``run()`` pretrains, then monitors.

    >>> from driftlab.library import SCENARIOS
    >>> tiny = ["monitor.max_steps=2", "monitor.batch_size=16", "monitor.batches_per_step=2",
    ...         "monitor.pretrain_samples=0"]  # no pretraining: a short run of the monitor alone
    >>> experiment = load_scenario(dump_scenario(SCENARIOS["detector_comparison"]()), overrides=tiny).build()
    >>> list(experiment.detectors), type(experiment.model).__name__
    (['page_hinkley', 'adwin', 'kswin', 'cusum'], 'Conv1dNet')
    >>> history = experiment.run()  # two steps of two batches; detect_only, so it never retrains
    >>> history[["batch", "step"]].values.tolist(), experiment.trainer.episodes
    ([[0, 0], [1, 0], [2, 1], [3, 1]], [])
    """

    scenario: Scenario
    tree: SamplingTree
    detectors: dict[str, DriftDetector]
    model: Any
    trainer: Any
    monitor: Monitor | None  # None without a model: a stream-only scenario
    threads: int | None = None  # torch's CPU threads, set when built (None: no model, torch untouched)

    def run(self, on_batch=None):
        """Pretrain on step 0 (if asked), run the monitor to ``max_steps``, then swap in a background
        episode still running (:meth:`Monitor.settle`); returns the history."""
        if self.monitor is None:
            raise ConfigError("model", "required to run: the monitor evaluates a model on the stream")
        if on_batch is not None:
            self.monitor.on("batch", on_batch)
        self.pretrain()
        self.monitor.run(max_steps=self.scenario.monitor_settings.max_steps)
        self.monitor.settle()  # the run ends when its episodes have: a background error is raised here
        return self.monitor.history

    def pretrain(self) -> None:
        """Train once on ``pretrain_samples`` of the current step, unless the trainer already trained, and
        wait for it; the stream then restarts its draws, so monitoring starts from the step's first batch."""
        samples = self.scenario.monitor_settings.pretrain_samples
        if self.trainer is None or not samples or self.trainer.episodes:
            return
        X, y = self.tree.batch(samples)
        self.trainer.collector.collect_batch({"x": X, "y": y})
        self.trainer.episode(self.tree)
        self.trainer.join()  # a background trainer too: monitoring starts from the pretrained model
        self.tree.set_update_step(self.tree.update_step)


class Scenario:
    """A validated experiment description: plain data (``spec``) that builds an :class:`Experiment`.

    >>> from driftlab.library import SCENARIOS
    >>> scenario = SCENARIOS["detector_comparison"](seed=1)
    >>> scenario.seed, sorted(scenario.spec["detectors"])
    (1, ['adwin', 'cusum', 'kswin', 'page_hinkley'])
    >>> scenario.monitor_settings
    MonitorSettings(batch_size=128, batches_per_step=5, adaptation='detect_only', pretrain_samples=1024)
    >>> [line.split(":")[0] for line in dump_scenario(scenario).splitlines() if line[:1].isalpha()]
    ['name', 'description', 'seed', 'tree', 'parameters', 'detectors', 'monitor', 'model', 'trainer']
    """

    def __init__(self, spec: Mapping[str, Any]):
        self.spec = _plain(copy.deepcopy(dict(spec)), "")
        schema.validate(self.spec)  # plain data against the schema: nothing is built

    def edited(self, section: str, value: Any) -> Scenario:
        """This scenario with ``section`` set to ``value``, checked by the schema rules that read that
        section only (the rest is unchanged and was checked); ``self`` is left as it was.

        >>> from driftlab.library import SCENARIOS
        >>> scenario = SCENARIOS["detector_comparison"]()
        >>> scenario.edited("monitor", {**scenario.spec["monitor"], "batch_size": 64}).monitor_settings.batch_size
        64
        >>> scenario.edited("monitor", {"batch_size": 0})
        Traceback (most recent call last):
        ...
        driftlab.errors.ConfigError: monitor.batch_size: must be at least 1, not 0.
        """
        spec = {**self.spec, section: _plain(copy.deepcopy(value), section)}
        schema.validate(spec, touched=[section])
        edited = Scenario.__new__(Scenario)
        edited.spec = spec
        return edited

    @property
    def seed(self) -> int:
        return self.spec.get("seed", 0)

    @property
    def monitor_settings(self) -> MonitorSettings:
        return schema.settings_of(MonitorSettings, self.spec.get("monitor") or {}, "monitor")

    def build(self, threads: int | None = None) -> Experiment:
        """Fresh, wired parts: the same spec always builds the same experiment.

        A scenario with a model sets torch's CPU thread count here, the same way from the CLI, the
        dashboard and a notebook: ``trainer.threads``, else
        :func:`~driftlab.training.default_threads`; ``threads`` overrides both (a sweep cell runs on 1).
        """
        return self._build(threads=threads)

    def _build(self, threads: int | None = None) -> Experiment:
        seed = self.seed
        tree = self.build_tree()
        detectors = {name: from_spec(DriftDetector, detector, f"detectors.{name}")
                     for name, detector in (self.spec.get("detectors") or {}).items()}
        settings = self.monitor_settings
        model = self._model(tree, seed)
        count = None if model is None else self._threads(seed, threads)
        trainer = self._trainer(model, tree, seed) if self.spec.get("trainer") is not None else None
        monitor = None if model is None else self._monitor(tree, model, trainer, detectors, settings)
        return Experiment(self, tree, detectors, model, trainer, monitor, count)

    def _threads(self, seed: int, threads: int | None) -> int:
        """Apply and return torch's thread count (see :meth:`build`); a bad value names ``trainer.threads``."""
        from .training.trainer import TrainerConfig, apply_threads

        if threads is None and self.spec.get("trainer") is not None:
            threads = schema.settings_of(TrainerConfig, schema.trainer_settings(self.spec)[1], "trainer").threads
        elif threads is not None:
            threads = schema.settings_of(TrainerConfig, {"threads": threads}, "trainer").threads
        return apply_threads(threads)

    def _monitor(self, tree, model, trainer, detectors, settings: MonitorSettings) -> Monitor:
        from .training import Evaluator, Labels  # torch is imported only when a scenario has a model

        evaluate = trainer.evaluator() if trainer is not None else \
            Evaluator(model, Labels(tree.classes, tree.multi_label))
        values = settings.param.values()
        arguments = {k: values[k] for k in ("metric", "batch_size", "interval", "aggregate", "batches_per_step",
                                            "adaptation", "period", "trigger", "adapt_delay", "prefetch")}
        try:
            return Monitor(tree, evaluate, detectors or None, adapt=trainer.adapt if trainer else None,
                           collector=trainer.collector if trainer else None,
                           join=trainer.join if trainer else None, **arguments)
        except ConfigError as err:
            raise ConfigError(err.path if err.path.startswith("monitor") else f"monitor.{err.path}",
                              err.problem) from None

    def build_tree(self) -> SamplingTree:
        """The sampling tree of the scenario (errors name ``tree...`` or ``parameters...``)."""
        if "tree" not in self.spec:
            raise ConfigError("tree", "required: the sampling tree")
        store = _scoped("parameters", lambda: ParameterStore(self.spec.get("parameters") or None, seed=self.seed))
        nodes = self.spec["tree"]
        multi_label = self.spec.get("multi_label", False)
        try:
            return SamplingTree(nodes, store, rng=self.seed, multi_label=multi_label)
        except ConfigError as err:
            raise err if err.path.startswith("tree") else err.within("parameters") from None

    def _model(self, tree: SamplingTree, seed: int):
        spec = self.spec.get("model")
        if spec is None:
            return None
        name, settings = schema.typed(spec, "model")
        cls = MODELS.get(name, "model.type")
        accepted = inspect.signature(cls).parameters
        X, _ = copy.deepcopy(tree).batch(1)
        defaults = {"in_features": int(np.prod(X.shape[1:])), "n_classes": len(tree.classes), "seed": seed}
        settings = {**{k: v for k, v in defaults.items() if k in accepted}, **settings}
        for key in settings:
            if key not in accepted:
                raise ConfigError(f"model.{key}", f"unknown setting of {name}; expected one of "
                                  f"{', '.join(accepted)}" + did_you_mean(str(key), list(accepted)))
        try:
            return cls(**settings)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise ConfigError("model", f"{name}({settings}) failed: {exc}") from None

    def _trainer(self, model, tree: SamplingTree, seed: int):
        from .training import Trainer

        if model is None:
            raise ConfigError("model", "required with a trainer")
        strategy, settings = schema.trainer_settings(self.spec)
        current, memory = schema.check_buffers(self.spec)
        return Trainer(model, strategy, classes=tree.classes, multi_label=tree.multi_label,
                       current=buffer_module.DataUser(current), memory=memory, **settings)

# -- reading and writing -------------------------------------------------------------------------

def load_scenario(source: str | os.PathLike, *, overrides: Iterable[str] = (),
                  environ: Mapping[str, str] | None = None) -> Scenario:
    """A validated scenario from a YAML file path or YAML text, with overrides applied.

    ``overrides`` are ``path=value`` items (``--set``); ``environ`` a mapping of environment
    variables, of which those named ``DRIFTLAB_<PATH>`` are overrides (the CLI passes
    ``os.environ``; the default is none, so a library call does not depend on the environment).
    """
    spec = read_yaml(_read(source))
    if spec is None:
        raise ConfigError("scenario", "the file is empty; expected a mapping with at least a 'tree' section")
    if not isinstance(spec, dict):
        raise ConfigError("scenario", f"expected a mapping of sections at the top level, got {type(spec).__name__}")
    for key, value in env_overrides(environ or {}):
        _set_path(spec, key, value, f"environment variable {ENV_PREFIX}{key.upper().replace('.', '__')}")
    for item in overrides:
        path, value = _parse_override(item)
        _set_path(spec, path, value, f"--set {item}")
    return Scenario(spec)


def dump_scenario(scenario: Scenario) -> str:
    """The scenario as tidy YAML: sections in a fixed order, each under a comment saying what it holds."""
    parts = [f"# driftlab scenario{': ' + scenario.spec['name'] if scenario.spec.get('name') else ''}\n"]
    for section in SECTIONS:
        if section not in scenario.spec:
            continue
        comment = "".join(f"# {line}\n" for line in COMMENTS[section].splitlines()) if section in COMMENTS else ""
        parts.append(("\n" if comment else "") + comment + _yaml({section: scenario.spec[section]}))
    return "".join(parts)


def _yaml(data: Any) -> str:
    """YAML in block style, except collections of scalars below the section level: ``[0.1, 0.3]``."""
    node = yaml.representer.SafeRepresenter(sort_keys=False).represent_data(data)

    def style(node: yaml.Node, depth: int) -> None:
        if not isinstance(node, yaml.CollectionNode):  # a scalar
            return
        children = [v for _, v in node.value] if isinstance(node, yaml.MappingNode) else node.value
        node.flow_style = depth >= 2 and all(isinstance(c, yaml.ScalarNode) for c in children)
        for child in children:
            style(child, depth + 1)

    style(node, 0)
    return yaml.serialize(node, Dumper=yaml.SafeDumper, width=100, allow_unicode=True)


def scenario_from_tree(tree: SamplingTree, **sections: Any) -> Scenario:
    """A scenario holding ``tree`` (its transforms must be registered) and the other ``sections``."""
    spec = {"seed": tree.seed, "tree": tree_to_spec(tree), **({"multi_label": True} if tree.multi_label else {}),
            "parameters": params_to_spec(tree.params), **sections}
    return Scenario(spec)


def tree_to_spec(tree: SamplingTree) -> list:
    """The tree's topology as scenario data (branch probabilities stay in the parameters)."""
    def node(placed) -> Any:
        n = placed.node
        if isinstance(n, ClassLabelNode):
            if n.label_func is not None:
                raise ConfigError(placed.path, "a custom label function cannot be written to a scenario file")
            return n.label if isinstance(n.label, str) else {"label": _plain(n.label, placed.path)}
        if isinstance(n, TransformNode):
            fn, args = unwrap(n.fn), _fixed_args(n.fn)
            name = TRANSFORMS.name_of(fn)
            if name is None:
                raise ConfigError(placed.path, f"the transform {getattr(fn, '__name__', fn)!r} is not registered: "
                                  "register it (driftlab.registry.TRANSFORMS.register) to write it to a file")
            out: dict[str, Any] = {"transform": name}
            if n.name != getattr(fn, "__name__", None):
                out["name"] = n.name
            if args:
                out["args"] = _plain(args, placed.path)
            return out
        return {"branch": tree.branch_name(placed),
                "branches": {key: chain(sub, single=True) for key, sub in placed.branches}}

    def chain(placed_nodes, single=False) -> Any:
        items = [node(p) for p in placed_nodes]
        return items[0] if single and len(items) == 1 else items

    return chain(tree.chain)


def params_to_spec(store: ParameterStore) -> dict[str, Any]:
    """The store's definitions as nested scenario data (update functions as ``{type: ...}`` specs)."""
    out: dict[str, Any] = {}
    for name in store.names:
        definition = store[name].definition()
        if "update" in definition:
            definition["update"] = definition["update"].to_spec()
        if set(definition) == {"value"} and not isinstance(definition["value"], Mapping):
            definition = definition["value"]
        *scopes, leaf = name.split(".")
        target = out
        for scope in scopes:
            target = target.setdefault(scope, {})
        target[leaf if leaf not in DEFINITION_KEYS else name] = _plain(definition, name)
    return out


def env_overrides(environ: Mapping[str, str]) -> list[tuple[str, Any]]:
    """``(path, value)`` of the ``DRIFTLAB_<PATH>`` variables, lowest level last (``__`` separates levels)."""
    found = []
    for key in sorted(environ):
        if key.startswith(ENV_PREFIX) and len(key) > len(ENV_PREFIX):
            path = key[len(ENV_PREFIX):].lower().replace("__", ".")
            found.append((path, _yaml_value(environ[key], f"environment variable {key}")))
    return found


# -- helpers ------------------------------------------------------------------------------------

_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when installed


class _Refused(yaml.MarkedYAMLError):
    """Valid YAML that scenario files do not accept (an alias, a duplicate key, ...)."""


class _StrictLoader(_SAFE_LOADER):  # type: ignore[misc, valid-type]
    """Safe YAML without duplicate or unhashable keys, reading ``1e-3`` as a number (YAML 1.2)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refused(problem="a key must be a plain value (text or a number), not a "
                                           + ("list" if isinstance(key_node, yaml.SequenceNode) else "mapping"),
                                           problem_mark=key_node.start_mark)
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise _Refused(problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


# YAML 1.1 wants a dot in a float ("1.0e-3"); 1.2 and most users write 1e-3.
_StrictLoader.add_implicit_resolver("tag:yaml.org,2002:float",
                                    re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
                                    list("-+0123456789"))


def read_yaml(text: str, limit: int = MAX_SCENARIO_BYTES) -> Any:
    """Plain data from YAML ``text`` by the rules of the module doc; errors name the line and column.

    >>> read_yaml("lr: 1e-3")
    {'lr': 0.001}
    >>> read_yaml("a: &x [1]\\nb: *x")
    Traceback (most recent call last):
    ...
    driftlab.errors.ConfigError: line 1, column 4: anchors and aliases (&name, *name) are not supported
    """
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise ConfigError("scenario", f"{size} bytes of YAML is larger than the limit of {limit} bytes")
    try:
        _check_events(text)
        return yaml.load(text, Loader=_StrictLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "yaml"
        problem = exc.problem if isinstance(exc, _Refused) else f"YAML syntax error: {exc.problem}"
        raise ConfigError(where, str(problem)) from None
    except yaml.YAMLError as exc:
        raise ConfigError("yaml", f"YAML error: {exc}") from None


def _check_events(text: str) -> None:
    """Refuse anchors, aliases and nesting deeper than MAX_YAML_DEPTH, from the parser's events
    (a flat stream: nothing is built, nothing recurses)."""
    depth = 0
    for event in yaml.parse(text, Loader=_SAFE_LOADER):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(problem="anchors and aliases (&name, *name) are not supported",
                           problem_mark=event.start_mark)  # type: ignore[arg-type]  # libyaml Mark, same fields
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise _Refused(problem=f"nested deeper than {MAX_YAML_DEPTH} levels",
                               problem_mark=event.start_mark)  # type: ignore[arg-type]  # libyaml Mark
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _read(source: str | os.PathLike) -> str:
    if isinstance(source, os.PathLike) or (isinstance(source, str) and "\n" not in source
                                           and source.endswith((".yaml", ".yml"))):
        path = Path(source)
        if not path.is_file():
            raise ConfigError(str(path), "no such scenario file")
        if path.stat().st_size > MAX_SCENARIO_BYTES:
            raise ConfigError(str(path), f"{path.stat().st_size} bytes is larger than the limit of "
                              f"{MAX_SCENARIO_BYTES} bytes for a scenario file")
        return decode(path.read_bytes())
    if isinstance(source, bytes):
        return decode(source)
    if not isinstance(source, str):
        raise ConfigError("scenario", f"expected a path or YAML text, got {type(source).__name__}")
    return source


def decode(data: bytes) -> str:
    """``data`` as UTF-8 text (a byte-order mark is dropped); else an error naming the line and column.

    >>> decode(b"name: caf\\xe9")
    Traceback (most recent call last):
    ...
    driftlab.errors.ConfigError: line 1, column 10: not UTF-8 text (byte 0xe9); save the file as UTF-8
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[:exc.start]
        line, column = before.count(b"\n") + 1, exc.start - (before.rfind(b"\n") + 1) + 1
        raise ConfigError(f"line {line}, column {column}",
                          f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8") from None


def _parse_override(item: str) -> tuple[str, Any]:
    path, sep, text = str(item).partition("=")
    if not sep or not path.strip():
        raise ConfigError(f"--set {item}", "expected path=value, e.g. monitor.batch_size=128")
    return path.strip(), _yaml_value(text, f"--set {item}")


def _yaml_value(text: str, where: str) -> Any:
    """An override's value, read by the rules of a file (no aliases, a size limit, ...)."""
    try:
        return read_yaml(text, limit=MAX_OVERRIDE_BYTES)
    except ConfigError as err:
        raise ConfigError(where, f"the value is not accepted: {err}") from None


def _set_path(spec: dict, path: str, value: Any, where: str) -> None:
    """Set ``spec[a][b]... = value`` for the dotted ``path``, creating mappings on the way."""
    keys = path.split(".")
    if keys[0] not in SECTIONS:
        raise ConfigError(where, f"unknown section {keys[0]!r}; expected one of {', '.join(SECTIONS)}"
                          + did_you_mean(keys[0], list(SECTIONS)))
    target: Any = spec
    for i, key in enumerate(keys[:-1]):
        if isinstance(target, list) and key.isdigit() and int(key) < len(target):
            target = target[int(key)]
        elif isinstance(target, dict):
            if not isinstance(target.get(key), (dict, list)):
                target[key] = {}
            target = target[key]
        else:
            raise ConfigError(where, f"cannot set {path}: {'.'.join(keys[:i + 1])} is not a mapping")
    last = keys[-1]
    if isinstance(target, list) and last.isdigit() and int(last) < len(target):
        target[int(last)] = value
    elif isinstance(target, dict):
        target[last] = value
    else:
        raise ConfigError(where, f"cannot set {path}: its parent is not a mapping")


def _scoped(prefix: str, build):
    try:
        return build()
    except ConfigError as err:
        raise err.within(prefix) from None


def _fixed_args(fn: Any) -> dict[str, Any]:
    args: dict[str, Any] = {}
    while isinstance(fn, functools.partial):
        if fn.args:
            raise ConfigError("tree", "a transform with fixed positional arguments cannot be written to a file; "
                              "fix them by keyword")
        args = {**fn.keywords, **args}
        fn = fn.func
    return args


def _plain(value: Any, path: str) -> Any:
    """``value`` as YAML-safe plain data (numpy → Python); anything else is an error naming ``path``."""
    if isinstance(value, dict):
        return {str(k): _plain(v, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist(), path)
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Config):
        return value.to_spec()
    if isinstance(value, Parameter):
        return _plain(value.definition(), path)
    raise ConfigError(path, f"cannot be written to a scenario file: {type(value).__name__} {value!r}")
