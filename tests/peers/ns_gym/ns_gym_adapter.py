"""NS-Gym's import names mapped onto driftlab's, for NS-Gym's own tests (tests/peers/ns_gym).

``ns_gym.schedulers`` is :mod:`driftlab.schedulers`, ``ns_gym.update_functions.single_param`` and
``.distribution`` are :mod:`driftlab.update_functions` (split as NS-Gym splits them), and
``ns_gym.base.Scheduler`` / ``UpdateFn`` are driftlab's ``Scheduler`` / ``UpdateFunction``. The
stand-in modules carry the name of the driftlab module that defines the classes, so NS-Gym's
discovery (``obj.__module__ == module.__name__``) finds them.
"""
import sys
import types

from driftlab import schedulers, update_functions
from driftlab.update_functions import DistributionUpdate

LCBOUNDED = "LCBoundedDistrubutionUpdate"  # NS-Gym's spelling


def _module(name: str, real_name: str, attrs: dict) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    module.__name__ = real_name
    sys.modules[name] = module
    return module


def _classes(module: types.ModuleType, base: type) -> dict[str, type]:
    return {name: obj for name, obj in vars(module).items()
            if isinstance(obj, type) and issubclass(obj, base) and obj.__module__ == module.__name__
            and not name.startswith("_") and obj is not base}


def install() -> None:
    """Registers the ``ns_gym`` modules in ``sys.modules``."""
    all_updates = _classes(update_functions, update_functions.UpdateFunction)
    distribution = {n: c for n, c in all_updates.items() if issubclass(c, DistributionUpdate)}
    single = {n: c for n, c in all_updates.items() if n not in distribution}
    distribution[LCBOUNDED] = update_functions.LCBoundedDistributionUpdate
    base = _module("ns_gym.base", "ns_gym.base", {"Scheduler": schedulers.Scheduler,
                                                  "UpdateFn": update_functions.UpdateFunction,
                                                  "UpdateDistributionFn": DistributionUpdate})
    sched = _module("ns_gym.schedulers", schedulers.__name__, _classes(schedulers, schedulers.Scheduler))
    single_mod = _module("ns_gym.update_functions.single_param", update_functions.__name__, single)
    dist_mod = _module("ns_gym.update_functions.distribution", update_functions.__name__, distribution)
    updates = _module("ns_gym.update_functions", "ns_gym.update_functions",
                      {**single, **distribution, "single_param": single_mod, "distribution": dist_mod})
    _module("ns_gym", "ns_gym", {"base": base, "schedulers": sched, "update_functions": updates})
