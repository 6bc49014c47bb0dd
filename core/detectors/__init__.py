"""Drift detectors: one river-compatible protocol, compiled ``update_many``, an ensemble, a registry.

Every detector follows river's protocol: ``update(x)`` takes one value, after which
``drift_detected`` and ``warning_detected`` (always False where the algorithm has no warning zone)
describe that value; a detector resets itself on the update that follows an alarm. driftlab adds:

* ``update_many(values)``: feed a whole array and get the indices (into ``values``) of the alarms;
  ``update_many(values, trace=True)`` returns a :class:`DetectorTrace` that also holds the warnings
  and the statistic after every value. The detector ends in exactly the state that feeding the same
  values one at a time gives, so chunks and single updates can be mixed freely.
* ``statistic``: the quantity the detector thresholds, for plotting.
* ``reset()``: forget everything seen.

Detectors are :class:`~driftlab.config.Config` objects: their settings are ``param`` parameters
(validation, YAML specs, dashboard widgets), can be given positionally in river's order, and a bad
one raises :class:`~driftlab.errors.ConfigError` naming ``NAME.setting``. They are fixed after
construction, because a detector's state only means something for the settings that built it:
build a new detector (:func:`make_detector`, ``from_spec``) to change them.

river 0.26 is the reference, with the same defaults and the same reset-after-alarm behaviour.
Every detector is driftlab's own implementation: ``update_many`` runs the detector's ``update``
rule as a compiled loop (a numba kernel, imported and loaded on the first call; Periodic in closed
form), KSWIN vectorised window by window, and tests/test_detectors.py checks that each raises the
same alarms and warnings as river's detector on seeded streams, long ones with many alarms
included, fed one at a time and in chunks. Running sums replace river's incremental means, so
statistics agree with river's to rounding, not bit for bit (ADWIN's, which repeats river's
operations in river's order, are river's bit for bit); ``update`` and ``update_many`` do the same
floating-point operations, so those two agree bit for bit.

The package, by idea: ``base`` (the protocol, :class:`DetectorTrace`, the segment-by-segment loop),
``windows`` (ADWIN, KSWIN), ``cumulative`` (PageHinkley, CUSUM), ``error_rate`` (DDM, EDDM),
``hoeffding`` (HDDM_A, HDDM_W, FHDDM), ``control`` (NoDrift, Periodic), ``ensemble``
(DetectorEnsemble); ``_compiled`` runs the numba kernels of ``update_many`` and ``_python_random``
holds the bulk replay of ``random.Random.sample`` behind KSWIN's reference samples.
Import the names from here: this module is the public surface, and holds the registry.
"""
from __future__ import annotations

from ..registry import DETECTORS
from .base import DetectorTrace, DriftDetector
from .control import NoDrift, Periodic
from .cumulative import CUSUM, PageHinkley
from .ensemble import DetectorEnsemble
from .error_rate import DDM, EDDM
from .hoeffding import FHDDM, HDDM_A, HDDM_W
from .windows import ADWIN, KSWIN

__all__ = [
    "ADWIN",
    "CUSUM",
    "DDM",
    "DETECTORS",
    "EDDM",
    "FHDDM",
    "HDDM_A",
    "HDDM_W",
    "KSWIN",
    "DetectorEnsemble",
    "DetectorTrace",
    "DriftDetector",
    "NoDrift",
    "PageHinkley",
    "Periodic",
    "make_detector",
]


DETECTORS.register_all(ADWIN, KSWIN, PageHinkley, DDM, EDDM, HDDM_A, HDDM_W, FHDDM, CUSUM, NoDrift, Periodic,
                       DetectorEnsemble)


def make_detector(name: str, **settings) -> DriftDetector:
    """The detector registered as ``name``, built with ``settings``.

    >>> make_detector("PageHinkley", threshold=20.0).threshold
    20.0
    >>> make_detector("PageHinkly")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    driftlab.errors.ConfigError: detector: unknown detector 'PageHinkly'; ... (did you mean 'PageHinkley'?)
    """
    return DETECTORS.get(name, "detector")(**settings)
