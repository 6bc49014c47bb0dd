"""The scenario schema: a whole scenario file checked as plain data, without building its parts.

:func:`validate` checks every section and names a bad field by its path
(``detectors.ph.threshold``), as building would, but builds no model, tree, detector or monitor
and calls no transform (parameter definitions and the trainer's buffers, empty, are made by their
own classes' rules): a check costs less than building the tree alone
(benchmarks/validation.py). :func:`json_schema` exports the same rules as a JSON Schema, so an
editor can complete and check scenario files.

Why param rather than pydantic: each setting's type and bound is declared once, on the
``param.Parameterized`` class that uses it (:class:`~driftlab.monitor.MonitorSettings`,
:class:`~driftlab.training.TrainerConfig`, each detector, strategy, update function and scheduler,
a plugin's too). The schema reads those declarations: settings are checked by the class's own
validation run on a bare instance (its ``__init__``, which would build state, is not run), and the
JSON Schema comes from ``.param.schema()``. A pydantic model would declare every bound a second
time, which is how the two sets of monitor bounds this replaces came about.

What needs the built parts is checked when they are built: a model's settings are bound to its
signature here, its constructor runs at build; ``in_features`` is the stream's when the run starts.

>>> from driftlab.library import SCENARIOS
>>> spec = SCENARIOS["detector_comparison"]().spec
>>> validate({**spec, "detectors": {"ph": {"type": "PageHinkley", "threshold": -1}}})
Traceback (most recent call last):
...
driftlab.errors.ConfigError: detectors.ph.threshold: must be at least 0, not -1.
"""
from __future__ import annotations

import inspect
import math
from collections.abc import Iterable, Mapping
from typing import Any

import param
from param.serializer import UnserializableException

from .config import Config, ConfigT, did_you_mean, spec_class
from .distributions import as_distribution
from .errors import ConfigError
from .monitor import MonitorSettings, check_wiring
from .nodes import DATA_KEYS, TransformNode, data_node
from .parameters import ParameterStore
from .detectors import DriftDetector
from .registry import BUFFERS, MODELS, TRANSFORMS, registry_for
from .tracking import scenario_tracking

SECTIONS = ("name", "description", "seed", "tree", "multi_label", "parameters", "detectors", "monitor", "model",
            "trainer", "buffers", "tracking")
MAX_DEPTH = 64  # levels of the sampling tree
ROLES = {"current": {"type": "SequentialBuffer", "max_size": 1024},
         "memory": {"type": "ReservoirBuffer", "max_size": 2048}}  # the trainer's buffers when not given
TRAINER_ELSEWHERE = {"classes": "the tree's labels", "current": "the buffers section",
                     "memory": "the buffers section", "model": "the model section"}


def validate(spec: Mapping[str, Any], touched: Iterable[str] | None = None) -> None:
    """Check a scenario's plain data (see the module doc); the first error found is raised.

    ``touched`` (default: every section) limits the checks to the rules that read those sections, for
    an edit of a scenario already valid: a parameter edit checks the parameters and how they feed the
    tree, not the detectors or the trainer.
    """
    touched = set(SECTIONS if touched is None else touched)
    check_sections(spec)
    if touched & {"parameters", "tree"}:
        check_tree(spec.get("tree"), check_parameters(spec))
    if touched & {"detectors", "monitor", "model", "trainer"}:
        detectors = check_detectors(spec.get("detectors")) if "detectors" in touched else list(
            spec.get("detectors") or {})
        check_monitor(spec, detectors)
    if "model" in touched:
        check_model(spec)
    if spec.get("trainer") is not None and touched & {"trainer", "buffers"}:
        check_trainer(spec)
        check_buffers(spec)


# -- sections ------------------------------------------------------------------------------------

def check_sections(spec: Mapping[str, Any]) -> None:
    """Known sections, the seed, the texts, the tracking section."""
    for key in spec:
        if key not in SECTIONS:
            raise ConfigError(str(key), f"unknown section; expected one of {', '.join(SECTIONS)}"
                              + did_you_mean(str(key), list(SECTIONS)))
    seed = spec.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise ConfigError("seed", f"expected an integer in [0, 2^63), got {seed!r}")
    if spec.get("tracking") is not None:
        scenario_tracking(spec["tracking"])
    for key in ("name", "description"):
        if key in spec and not isinstance(spec[key], str):
            raise ConfigError(key, f"expected text, got {type(spec[key]).__name__}")
    if not isinstance(spec.get("multi_label", False), bool):
        raise ConfigError("multi_label", f"expected true or false, got {spec['multi_label']!r}")


def check_parameters(spec: Mapping[str, Any]) -> ParameterStore:
    """The parameter definitions, by :class:`ParameterStore`'s rules (definitions only: nothing is sampled)."""
    _check_finite(spec.get("parameters"), "parameters")
    try:
        return ParameterStore(spec.get("parameters") or None, seed=spec.get("seed", 0))
    except ConfigError as err:
        raise err.within("parameters") from None


def _check_finite(value: Any, path: str) -> None:
    """Stream parameter values and schedules must be finite numbers (update settings are Config
    objects, which check their own)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(path, f"expected a finite number, got {value!r}")
    if isinstance(value, dict):
        for key, item in value.items():
            if key != "update":
                _check_finite(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_finite(item, f"{path}[{i}]")


# -- the tree ------------------------------------------------------------------------------------

def check_tree(tree: Any, store: ParameterStore) -> None:
    """The tree's shape, its registered transforms, and how the parameters feed it, by
    :class:`~driftlab.tree.SamplingTree`'s rules: each scoped parameter belongs to a node and is an
    argument of its transform, each required argument is given, branch probabilities fit their branches."""
    if tree is None:
        raise ConfigError("tree", "required: the sampling tree")
    transforms: list[tuple[str, TransformNode]] = []  # (path, node) in the order written
    branches: dict[str, tuple[str, tuple[str, ...]]] = {}  # name -> (path, branch keys)
    _check_node(tree, "tree", 0, transforms, branches)
    scopes = {node.name for _, node in transforms}
    for path, node in transforms:
        _check_bindings(path, node, store)
    for name, (path, _) in branches.items():
        if name in scopes:
            raise ConfigError(path, f"branching node {name!r} has the name of a transform; each needs its own scope")
        extra = [n for n in store.names if n.startswith(name + ".") and n != f"{name}.probs"]
        if extra:
            raise ConfigError(f"parameters.{extra[0]}", f"a branching node's scope holds only 'probs' ({path})")
    known = scopes | set(branches)
    for name in store.names:
        if "." in name and not any(name.startswith(scope + ".") for scope in known):
            raise ConfigError(f"parameters.{name}", "is in a scope that no node of the tree is named after; nodes: "
                              + ", ".join(sorted(known)) + did_you_mean(name.split(".")[0], sorted(known)))
    for name, (path, keys) in branches.items():
        if f"{name}.probs" in store:
            _check_probs(store, name, path, keys)


def _check_node(spec: Any, path: str, depth: int, transforms: list, branches: dict) -> None:
    if depth > MAX_DEPTH:
        raise ConfigError(path, f"the tree nests deeper than {MAX_DEPTH} levels")
    if isinstance(spec, list):
        if not spec:
            raise ConfigError(path, "expected at least one node")
        for i, item in enumerate(spec):
            _check_node(item, f"{path}[{i}]", depth + 1, transforms, branches)
        return
    if isinstance(spec, str):
        return
    if not isinstance(spec, dict):
        raise ConfigError(path, "expected a label string, a list of nodes, {transform: NAME}, {label: VALUE} "
                          f"or {{branch: NAME, branches: {{...}}}}; got {spec!r}")
    kinds = [k for k in DATA_KEYS if k in spec]
    if len(kinds) != 1:
        raise ConfigError(path, "expected exactly one of the keys transform, label, branch; got "
                          f"{', '.join(map(str, spec)) or 'none'}" + did_you_mean(str(next(iter(spec), "")),
                                                                                 list(DATA_KEYS)))
    kind = kinds[0]
    for key in spec:
        if key not in DATA_KEYS[kind]:
            raise ConfigError(f"{path}.{key}", f"unknown key of a {kind} node; expected "
                              f"{', '.join(DATA_KEYS[kind])}" + did_you_mean(str(key), list(DATA_KEYS[kind])))
    if kind == "transform":
        _mapping(spec.get("args") or {}, f"{path}.args")
        node = data_node(spec, path)  # reads the transform's signature, does not call it
        assert isinstance(node, TransformNode)
        transforms.append((path, node))
    elif kind == "branch":
        name = spec["branch"]
        children = _mapping(spec.get("branches"), f"{path}.branches")
        if not children:
            raise ConfigError(f"{path}.branches", "expected at least one branch")
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{path}.branch", f"expected a name, got {name!r}")
        if name in branches:
            raise ConfigError(f"{path}.name", f"two branching nodes are named {name!r}; each needs its own scope")
        branches[name] = (path, tuple(map(str, children)))
        for key, sub in children.items():
            _check_node(sub, f"{path}.branches.{key}", depth + 1, transforms, branches)


def _check_bindings(path: str, node: TransformNode, store: ParameterStore) -> None:
    prefix, bound = node.name + ".", set()
    for name in store.names:
        if name.startswith(prefix):
            keyword = name[len(prefix):]
            if (keyword not in node.arguments and not node.takes_any) or keyword == "rng":
                raise ConfigError(f"parameters.{name}", f"is not a parameter of transform {node.name!r} at {path}; "
                                  f"it accepts {', '.join(sorted(node.arguments)) or 'none'}"
                                  + did_you_mean(keyword, sorted(node.arguments)))
            bound.add(keyword)
    missing = sorted(k for k in node.required - bound - {"rng"} if k not in store)
    if missing:
        raise ConfigError(f"parameters.{node.name}.{missing[0]}", f"transform {node.name!r} at {path} needs "
                          f"{missing[0]!r}: define parameter '{node.name}.{missing[0]}' or a global '{missing[0]}'")


def _check_probs(store: ParameterStore, name: str, path: str, keys: tuple[str, ...]) -> None:
    """Every probability vector written (the definition's value and schedule, each edit's) fits the branches."""
    definition = store[f"{name}.probs"].definition()
    values = [store[f"{name}.probs"].value]
    for part in [definition, *definition.get("edits", [])]:
        values += [part["value"]] if "value" in part else []
        values += list(part.get("schedule") or [])
    where = f"parameters.{name}.probs"
    for value in values:
        try:
            p = as_distribution(value, where)
        except ConfigError as err:
            raise ConfigError(err.path, err.problem + f" (branching node at {path})") from None
        if p.size != len(keys):
            raise ConfigError(where, f"expected {len(keys)} probabilities (branches {', '.join(keys)}), "
                              f"got {p.size} (branching node at {path})")


# -- detectors, monitor, model, trainer, buffers ---------------------------------------------------

def check_detectors(spec: Any) -> list[str]:
    """Each detector's type and settings; returns their names."""
    detectors = _mapping(spec or {}, "detectors")
    for name, detector in detectors.items():
        check_config(DriftDetector, detector, f"detectors.{name}")
    return list(detectors)


def check_monitor(spec: Mapping[str, Any], detectors: list[str]) -> MonitorSettings:
    """The monitor's settings, and (with a model, so a monitor) how they fit the detectors and trainer."""
    settings = checked(MonitorSettings, spec.get("monitor") or {}, "monitor")
    check_wiring(settings, detectors, adapts=spec.get("trainer") is not None,
                 monitored=spec.get("model") is not None)
    return settings


def check_model(spec: Mapping[str, Any]) -> None:
    """A registered model whose settings bind to its signature (it is constructed when built)."""
    if spec.get("model") is None:
        return
    name, settings = typed(spec["model"], "model")
    cls = MODELS.get(name, "model.type")
    accepted = inspect.signature(cls).parameters
    for key in settings:
        if key not in accepted:
            raise ConfigError(f"model.{key}", f"unknown setting of {name}; expected one of "
                              f"{', '.join(accepted)}" + did_you_mean(str(key), list(accepted)))
    given = {k: 0 for k in ("in_features", "n_classes", "seed") if k in accepted}  # the stream's, when built
    try:
        inspect.signature(cls).bind(**{**given, **settings})
    except TypeError as exc:
        raise ConfigError("model", f"bad settings for {name}: {exc}") from None


def trainer_settings(spec: Mapping[str, Any]) -> tuple[Any, dict]:
    """``(strategy, TrainerConfig settings)`` of the trainer section; the classes, buffers and model
    come from the tree and the other sections, never from here."""
    from .training.trainer import TrainerConfig

    settings = dict(_mapping(spec["trainer"], "trainer"))
    known = ["strategy", *TrainerConfig.settings()]
    for key in settings:
        if key not in known:
            elsewhere = TRAINER_ELSEWHERE.get(key)
            raise ConfigError(f"trainer.{key}", (f"is set by {elsewhere}, not here; " if elsewhere else
                                                 "unknown setting; ") + f"expected one of {', '.join(known)}"
                              + did_you_mean(str(key), known))
    strategy = settings.pop("strategy", "naive")
    settings.setdefault("seed", spec.get("seed", 0))
    return strategy, settings


def check_trainer(spec: Mapping[str, Any]) -> None:
    """The trainer's settings, its device (on this machine) and strategy."""
    from .training.strategies import Strategy
    from .training.trainer import TrainerConfig, _check_amp, resolve_device

    if spec.get("model") is None:
        raise ConfigError("model", "required with a trainer")
    strategy, settings = trainer_settings(spec)
    config = checked(TrainerConfig, settings, "trainer")._v
    _check_amp(config.amp, resolve_device(config.device))  # the device must exist on this machine
    check_config(Strategy, strategy, "trainer.strategy")


def buffer_specs(spec: Mapping[str, Any]) -> dict[str, tuple[type, dict]]:
    """``{role: (class, settings)}`` of the trainer's two buffers (defaults where not given)."""
    given = _mapping(spec.get("buffers") or {}, "buffers")
    for key in given:
        if key not in ROLES:
            raise ConfigError(f"buffers.{key}", "unknown buffer; expected current, memory"
                              + did_you_mean(key, list(ROLES)))
    out = {}
    for role, default in ROLES.items():
        name, settings = typed(given.get(role, default), f"buffers.{role}")
        cls = BUFFERS.get(name, f"buffers.{role}.type")
        if "seed" in inspect.signature(cls).parameters:
            settings.setdefault("seed", spec.get("seed", 0))
        if "label_field" in inspect.signature(cls).parameters and name == "ClassBalancedBuffer":
            settings.setdefault("label_field", "y")
        out[role] = (cls, settings)
    return out


def check_buffers(spec: Mapping[str, Any]) -> list:
    """The trainer's buffers, by their own rules; returns them, built empty (storage comes with the first
    sample, so this allocates nothing)."""
    built = []
    for role, (cls, settings) in buffer_specs(spec).items():
        try:
            built.append(cls(("x", "y"), **settings))
        except ConfigError as err:
            raise ConfigError(f"buffers.{role}.{err.path.rsplit('.', 1)[-1]}", err.problem) from None
        except TypeError as exc:
            raise ConfigError(f"buffers.{role}", f"bad settings for {cls.__name__}: {exc}") from None
    return built


# -- config objects ------------------------------------------------------------------------------

def check_config(base: type[ConfigT], spec: Any, path: str) -> ConfigT:
    """A ``"Name"`` or ``{type: Name, ...}`` spec of a registered ``base`` class: the type is known and the
    settings pass the class's validation, run on an instance whose ``__init__`` (which builds state) is
    not run; returns that settings-only instance."""
    cls, settings = spec_class(base, spec, path)
    for key, value in list(settings.items()):
        declared = cls.param[key] if key in cls.param else None  # noqa: SIM401  (param has no .get)
        if isinstance(declared, param.ClassSelector) and isinstance(declared.class_, type) \
                and issubclass(declared.class_, Config):
            settings[key] = check_config(declared.class_, value, f"{path}.{key}")
        elif isinstance(declared, param.List) and isinstance(value, list) and issubclass(base, DriftDetector):
            settings[key] = [item if isinstance(item, DriftDetector) else check_config(base, item, f"{path}.{key}[{i}]")
                             for i, item in enumerate(value)]  # an ensemble's members, as specs
    return checked(cls, settings, path)


def settings_of(cls: type[ConfigT], settings: Any, path: str) -> ConfigT:
    """``cls(**settings)``; errors name ``path.setting``."""
    settings = _mapping(settings, path)
    try:
        return cls(**settings)
    except ConfigError as err:
        raise ConfigError(path + err.path[len(cls.__name__):], err.problem) from None


def checked(cls: type[ConfigT], settings: Any, path: str) -> ConfigT:
    """``cls``'s settings checked without constructing (:meth:`~driftlab.config.Config.checked`); errors name
    ``path.setting``."""
    settings = _mapping(settings, path)
    try:
        return cls.checked(settings)
    except ConfigError as err:
        raise ConfigError(path + err.path[len(cls.__name__):], err.problem) from None


# -- helpers -------------------------------------------------------------------------------------

def _mapping(value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        raise ConfigError(path, f"expected a mapping, got {type(value).__name__} {value!r}")
    return value


def typed(spec: Any, path: str) -> tuple[str, dict]:
    """``(type name, other settings)`` of a ``{type: NAME, ...}`` mapping or a bare name."""
    if isinstance(spec, str):
        return spec, {}
    spec = _mapping(spec, path)
    if "type" not in spec:
        raise ConfigError(f"{path}.type", "required: the name of what to build")
    return spec["type"], {k: v for k, v in spec.items() if k != "type"}


# -- JSON Schema ---------------------------------------------------------------------------------

def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file: the sections, the tree's node forms, and every
    registered detector, strategy, update function, scheduler, model, buffer and transform (plugins
    included) with its settings from their param declarations (``.param.schema()``).

    Field-path errors and the rules between sections (a parameter feeding a transform, branch
    probabilities that fit their branches) are :func:`validate`'s; the JSON Schema lets an editor
    complete and check the parts one at a time.

    >>> schema = json_schema()
    >>> schema["properties"]["monitor"]["properties"]["batch_size"]["maximum"]
    1000000
    """
    from .schedulers import Scheduler
    from .training.strategies import Strategy
    from .training.trainer import TrainerConfig
    from .update_functions import UpdateFunction

    kinds = {"detector": DriftDetector, "strategy": Strategy, "update_function": UpdateFunction,
             "scheduler": Scheduler}
    refs = {base: f"#/$defs/{name}" for name, base in kinds.items()}
    defs: dict[str, Any] = {name: _kind_schema(base, refs) for name, base in kinds.items()}
    defs["node"] = {"anyOf": [
        {"type": "string", "description": "a class label"},
        {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/node"}, "description": "a chain of nodes"},
        {"type": "object", "required": ["transform"], "additionalProperties": False,
         "properties": {"transform": {"enum": list(TRANSFORMS)}, "name": {"type": "string"},
                        "args": {"type": "object"}}},
        {"type": "object", "required": ["label"], "additionalProperties": False, "properties": {"label": {}}},
        {"type": "object", "required": ["branch", "branches"], "additionalProperties": False,
         "properties": {"branch": {"type": "string"},
                        "branches": {"type": "object", "minProperties": 1,
                                     "additionalProperties": {"$ref": "#/$defs/node"}}}}]}
    definition_keys = [{"required": [key]} for key in ("value", "schedule", "update")]
    defs["definition"] = {"type": "object", "anyOf": definition_keys, "additionalProperties": False,
                          "properties": {"value": {}, "schedule": {"type": "array", "minItems": 1},
                                         "strategy": {"enum": ["hold", "cycle", "raise"]},
                                         "update": {"$ref": "#/$defs/update_function"},
                                         "edits": {"type": "array"}, "name": {"type": "string"}}}
    defs["parameter"] = {"anyOf": [
        {"type": ["number", "string", "boolean", "array"]}, {"$ref": "#/$defs/definition"},
        {"type": "object", "not": {"anyOf": definition_keys}, "additionalProperties": {"$ref": "#/$defs/parameter"},
         "description": "a scope of parameters"}]}
    defs["buffer"] = {"anyOf": [{"enum": list(BUFFERS)}, *(_signature_schema(name, cls, skip=("fields",))
                                                          for name, cls in BUFFERS.items())]}
    trainer = _settings_schema(TrainerConfig, refs)
    trainer["properties"]["strategy"] = {"$ref": refs[Strategy]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "driftlab scenario",
        "type": "object",
        "required": ["tree"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string"}, "description": {"type": "string"},
            "seed": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1},
            "multi_label": {"type": "boolean"},
            "tree": {"$ref": "#/$defs/node"},
            "parameters": {"type": ["object", "null"], "additionalProperties": {"$ref": "#/$defs/parameter"}},
            "detectors": {"type": ["object", "null"], "additionalProperties": {"$ref": refs[DriftDetector]}},
            "monitor": _settings_schema(MonitorSettings, refs),
            "model": {"anyOf": [{"enum": list(MODELS)},
                                *(_signature_schema(name, cls) for name, cls in MODELS.items())]},
            "trainer": trainer,
            "buffers": {"type": "object", "additionalProperties": False,
                        "properties": {"current": {"$ref": "#/$defs/buffer"}, "memory": {"$ref": "#/$defs/buffer"}}},
            "tracking": {"type": ["object", "null"]},
        },
        "$defs": defs,
    }


def _kind_schema(base: type, refs: dict) -> dict[str, Any]:
    """Every registered class of ``base``'s kind: its bare name, or ``{type: name, settings...}``."""
    registry = registry_for(base)
    forms = []
    for name in registry:
        settings = _settings_schema(registry[name], refs)
        settings["properties"] = {"type": {"const": name}, **settings["properties"]}
        settings["required"] = ["type"]
        forms.append(settings)
    return {"anyOf": [{"enum": list(registry)}, *forms]}


def _settings_schema(cls: type[Config], refs: dict) -> dict[str, Any]:
    """An object of ``cls``'s declared settings (param's JSON Schema of each); nested configs by reference."""
    properties: dict[str, Any] = {}
    for name in cls.settings():
        declared = cls.param[name]
        if isinstance(declared, param.ClassSelector) and isinstance(declared.class_, type):
            ref = next((r for base, r in refs.items() if issubclass(declared.class_, base)), None)
            properties[name] = {"$ref": ref} if ref else {}
        elif isinstance(declared, param.List) and issubclass(cls, DriftDetector):
            properties[name] = {"type": "array", "items": {"$ref": refs[DriftDetector]}}
        else:
            try:
                properties[name] = cls.param.schema(subset=[name])[name]
            except UnserializableException:  # a setting param cannot describe (a callable): any value
                properties[name] = {}
        properties[name].pop("title", None)
    return {"type": "object", "additionalProperties": False, "properties": properties}


def _signature_schema(name: str, cls: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """``{type: name, ...}`` with the keyword arguments of ``cls``'s constructor (any values)."""
    accepted = [p for p in inspect.signature(cls).parameters if p not in skip]
    return {"type": "object", "required": ["type"], "additionalProperties": False,
            "properties": {"type": {"const": name}, **{p: {} for p in accepted}}}
