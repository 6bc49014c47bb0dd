"""streamgen 2.0.1's own tests (Infineon/StreamGen, MIT, see LICENSE) run on driftlab.

Run: ``pytest -m peers tests/peers/streamgen``
"""
from pathlib import Path

import peers_marks
import streamgen_adapter

streamgen_adapter.install()

HERE = Path(__file__).parent

NODES = ("nodes are declarations that the tree runs: no traverse/update/parent/emoji/argument_strategy on a "
         "node (a transform gets its parameters by keyword), and repr is TransformNode('name')")
STORE = ("a store is a flat mapping by dotted name (store.names, store[name], sorted store.scopes list, "
         "repr ParameterStore({...})); no nested .parameters dict or parameter_names set")
TREE_VIEW = ("the tree has no node objects to inspect (tree.nodes[i].probs, get_paths); the same facts come from "
             "tree.to_graph(), tree.get_params(), and a sample is (x, label) even without a label node")
STRICT_SCOPES = ("a scoped parameter that its transform does not take is rejected as a typo (streamgen accepts and "
                 "ignores it); get_params() returns values, store[name] the Parameter")
DIFFERENCES: dict[str, str] = {
    "nodes_test.py::test_pure_transform": NODES,
    "nodes_test.py::test_parametric_transform": NODES,
    "nodes_test.py::test_connected_nodes": NODES,
    "parameter_test.py::test_constant_parameter": "repr is Parameter('test', value=42, step=0), not 'test=42'",
    "parameter_test.py::test_parameter_indexing":
        "p[k] reads step k without moving the parameter (streamgen's resets and replays); p.set_update_step(k) moves",
    "parameterstore_test.py::test_parameter_empty_list_initialization": STORE,
    "parameterstore_test.py::test_parameter_empty_initialization": STORE,
    "parameterstore_test.py::test_parameter_list_initialization": STORE,
    "parameterstore_test.py::test_parameter_dict_setitem": STORE,
    "parameterstore_test.py::test_scoped_parameter_dict_initialization": STORE,
    "parameterstore_test.py::test_combining_parameters": STORE + "; Parameter | Parameter is not a store",
    "parameterstore_test.py::test_to_dataframe":
        "store.to_dataframe(k_end) needs the last step and does not move the store (streamgen's advances it)",
    "parameterstore_test.py::test_from_dataframe":
        "from_dataframe keeps a column of one repeated value as a constant; " + STORE,
    "samplingtree_test.py::test_parameter_updating_from_global_scope": TREE_VIEW,
    "samplingtree_test.py::test_sampling_tree_decision_node_with_probs": NODES,
    "samplingtree_test.py::test_sampling_tree_decision_node_without_probs": NODES,
    "samplingtree_test.py::test_sampling_tree_deep_nesting": NODES,
    "samplingtree_test.py::test_get_paths": TREE_VIEW,
    "streamgen_branch_update_regression_test.py": STRICT_SCOPES,
}
NOT_PORTABLE: dict[str, str] = {
    "nodes_test.py::test_sample_buffer_node": "driftlab has no SampleBufferNode (nodes keep no samples)",
    "transforms_test.py::test_label_codeces":
        "driftlab has no LabelEncoder/Decoder transforms; the tree encodes labels (tree.encode, tree.classes)",
    "visualizations_test.py": "driftlab has no matplotlib plots of parameters; p.timeline(k) and "
                              "store.to_dataframe(k) give the data, the dashboard plots it",
    "samplingtree_test.py::test_tree_visualization":
        "streamgen writes dot/svg files through graphviz; driftlab gives tree.to_dot() text and tree.to_graph()",
}


def pytest_collection_modifyitems(config, items):
    peers_marks.apply_marks(items, HERE, DIFFERENCES, NOT_PORTABLE)
