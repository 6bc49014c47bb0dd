"""river's ``drift`` names mapped onto driftlab's detectors, for river's own drift tests (tests/peers/river).

``drift.ADWIN``, ``drift.KSWIN``, ``drift.PageHinkley`` and ``drift.binary.DDM``, ``EDDM``,
``HDDMA``, ``HDDMW``, ``FHDDM`` are driftlab's. river itself stays importable and real (driftlab's
ADWIN runs river's Rust code): only the ``drift`` attribute that ``from river import drift`` reads
is replaced, for this test session.
"""
import types

import river

from driftlab import detectors

drift = types.SimpleNamespace(
    ADWIN=detectors.ADWIN, KSWIN=detectors.KSWIN, PageHinkley=detectors.PageHinkley, NoDrift=detectors.NoDrift,
    binary=types.SimpleNamespace(DDM=detectors.DDM, EDDM=detectors.EDDM, HDDMA=detectors.HDDM_A,
                                 HDDMW=detectors.HDDM_W, FHDDM=detectors.FHDDM),
)


def install() -> None:
    """Makes ``from river import drift`` give the mapping above."""
    river.drift = drift
