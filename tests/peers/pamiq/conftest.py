"""PAMIQ-Core 0.6.0's own data-module tests (MIT, see LICENSE) run on driftlab's buffers.

Run: ``pytest -m peers tests/peers/pamiq``. PAMIQ-Core needs Python >= 3.12; on 3.11 the files
that use its 3.12 syntax (``class MockDataBuffer[T]``, in helpers.py) cannot even be imported.
"""
import sys
from pathlib import Path

from . import pamiq_adapter
import peers_marks

pamiq_adapter.install()

HERE = Path(__file__).parent

PY312 = "uses Python 3.12 syntax (class MockDataBuffer[T] in helpers.py); this environment has " + sys.version[:4]
collect_ignore = [] if sys.version_info >= (3, 12) else ["helpers.py", "test_container.py", "test_interface.py"]
# PAMIQ's abstract, generic DataBuffer[T, R] (constructor max_queue_size; subclasses define add,
# get_data, __len__) is not driftlab's: a driftlab DataBuffer is a column store built from field
# names, and a subclass defines where samples go (_place). Its 5 tests subclass it at import time.
collect_ignore.append("test_buffer.py")

COLUMNS = ("driftlab has no single-value buffers (any object per step): a driftlab buffer stores named "
           "fields as columns; PAMIQ's Dict* buffers are the counterpart")
ARRAYS = "get_data() returns a numeric field as a numpy array (PAMIQ: lists)"
ERRORS = ("bad input raises driftlab.errors.ConfigError naming the field (a ValueError), with driftlab's message, "
          "not PAMIQ's")
FIELDS = "fields are a non-empty sequence in order (a set has no order for the columns), read as buffer.fields"
RR, SQ = "impls/test_random_replacement_buffer.py", "impls/test_sequential_buffer.py"
DIFFERENCES: dict[str, str] = {
    f"{RR}::TestDictRandomReplacementBuffer::test_init_with_empty_keys": FIELDS,
    f"{RR}::TestDictRandomReplacementBuffer::test_keys_property": FIELDS,
    f"{RR}::TestDictRandomReplacementBuffer::test_add_valid_data[keys1-data1]": FIELDS,
    f"{RR}::TestDictRandomReplacementBuffer::test_init_with_both_probability_params_raises": ERRORS,
    f"{RR}::TestDictRandomReplacementBuffer::test_add_invalid_data_raises": ERRORS,
    f"{RR}::TestDictRandomReplacementBuffer::test_get_data_structure": ARRAYS,
    f"{RR}::TestDictRandomReplacementBuffer::test_save_and_load_state": ARRAYS,
    f"{SQ}::TestDictSequentialBuffer::test_init_with_empty_keys": FIELDS,
    f"{SQ}::TestDictSequentialBuffer::test_keys_property": FIELDS,
    f"{SQ}::TestDictSequentialBuffer::test_add_valid_data[keys1-data1]": FIELDS,
    f"{SQ}::TestDictSequentialBuffer::test_add_invalid_data_raises": ERRORS,
    f"{SQ}::TestDictSequentialBuffer::test_get_data_structure": ARRAYS,
    f"{SQ}::TestDictSequentialBuffer::test_sequential_order_preserved": ARRAYS,
    f"{SQ}::TestDictSequentialBuffer::test_oldest_removed_when_full": ARRAYS,
    f"{SQ}::TestDictSequentialBuffer::test_save_and_load_state": ARRAYS,
}
NOT_PORTABLE: dict[str, str] = {
    f"{RR}::TestRandomReplacementBuffer": COLUMNS,
    f"{SQ}::TestSequentialBuffer": COLUMNS,
}


def pytest_collection_modifyitems(config, items):
    peers_marks.apply_marks(items, HERE, DIFFERENCES, NOT_PORTABLE)
