"""driftlab.torch: the stream as an IterableDataset (real DataLoader worker processes) and per-step
map-style datasets."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from driftlab.errors import ConfigError
from driftlab.library import time_series
from driftlab.torch import StreamDataset
from driftlab.tree import SamplingTree


def rows(loader) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = zip(*loader, strict=True)
    return torch.cat([x.reshape(-1, x.shape[-1]) for x in xs]).numpy(), torch.cat([y.reshape(-1) for y in ys]).numpy()


def test_the_stream_follows_its_rule_chunk_c_of_step_k_is_the_trees_draw_c_at_step_k():
    tree = time_series(seed=3)
    stream = StreamDataset(tree, samples_per_step=10, chunk_size=4, steps=3, start_step=1, batched=True)
    chunks = list(stream)
    assert [len(y) for _, y in chunks] == [4, 4, 2] * 3
    reference = time_series(seed=3)
    expected = []
    for k in (1, 2, 3):
        reference.set_update_step(k)
        expected += [reference.batch(n) for n in (4, 4, 2)]  # what a Monitor with batch_size=4 draws
    for (x, y), (X, labels) in zip(chunks, expected, strict=True):
        assert np.array_equal(x.numpy(), X.astype(np.float32))
        assert np.array_equal(y.numpy(), reference.encode(labels))
    assert tree.update_step == 0  # the tree given was never moved


def test_two_dataloader_workers_draw_disjoint_parts_whose_union_is_the_single_process_stream():
    stream = StreamDataset(time_series(seed=0), samples_per_step=24, chunk_size=8, steps=4)
    X, y = rows(DataLoader(stream, batch_size=5))
    X2, y2 = rows(DataLoader(stream, batch_size=5, num_workers=2))
    assert X.shape == X2.shape and len(X) == 96
    assert len(np.unique(X, axis=0)) == 96  # every sample distinct: equal multisets are equal sets
    single = sorted(map(tuple, np.column_stack([X, y])))
    assert sorted(map(tuple, np.column_stack([X2, y2]))) == single
    # each worker's part: the chunks i with i % 2 == worker, disjoint
    parts = [list(stream.chunks(w, 2)) for w in (0, 1)]
    assert not set(parts[0]) & set(parts[1])
    assert sorted(parts[0] + parts[1]) == sorted(stream.chunks())
    # deterministic: the same split again
    X3, _ = rows(DataLoader(stream, batch_size=5, num_workers=2))
    assert np.array_equal(X2, X3)


def test_chunks_through_two_workers_come_in_the_single_process_order():
    stream = StreamDataset(time_series(seed=1), samples_per_step=16, chunk_size=8, steps=3, batched=True)
    single = [x for x, _ in DataLoader(stream, batch_size=None)]
    workers = [x for x, _ in DataLoader(stream, batch_size=None, num_workers=2)]
    assert len(single) == len(workers) == 6
    assert all(torch.equal(a, b) for a, b in zip(single, workers, strict=True))


def test_experience_is_a_map_style_dataset_of_held_out_or_stream_samples():
    tree = time_series(seed=2)
    stream = StreamDataset(tree, samples_per_step=12, chunk_size=6, steps=2)
    test = stream.experience(1, 20)
    assert len(test) == 20 and test[3][0].dtype == torch.float32
    reference = time_series(seed=2)
    reference.set_update_step(1)
    X, _ = reference.held_out(20)
    assert np.array_equal(test.tensors[0].numpy(), X.astype(np.float32))
    own = stream.experience(1, held_out=False)
    streamed = [x for x, _ in stream][12:24]
    assert all(torch.equal(own[i][0], streamed[i]) for i in range(12))
    assert test.class_to_idx == {label: i for i, label in enumerate(tree.classes)}


def test_a_multi_label_tree_gives_multi_hot_targets():
    def noise(x, rng):
        return rng.normal(0.0, 1.0, 3)

    tree = SamplingTree([noise, {"name": "kind", "probs": [0.5, 0.5], "a": ["a", "b"], "b": "b"}], rng=0,
                        multi_label=True)
    assert tree.multi_label
    _, y = next(iter(StreamDataset(tree, samples_per_step=4, chunk_size=4, steps=1, batched=True)))
    assert y.dtype == torch.float32 and y.shape == (4, len(tree.classes))
    assert set(y.sum(1).tolist()) <= {1.0, 2.0}


@pytest.mark.parametrize("kwargs, path", [({"chunk_size": 0}, "chunk_size"), ({"steps": 0}, "steps"),
                                          ({"samples_per_step": 1.5}, "samples_per_step")])
def test_bad_settings_name_the_field(kwargs, path):
    with pytest.raises(ConfigError, match=f"^{path}: expected an integer"):
        StreamDataset(time_series(seed=0), **kwargs)


def test_multi_hot_targets_are_the_trees_label_sets_in_stream_and_experience_and_train_with_bce():
    from driftlab.scenario import load_scenario
    from driftlab.training import Labels

    source = load_scenario(Path(__file__).parent / "scenarios" / "multi_label.yaml")
    tree = source.build_tree()
    labels = Labels(tree.classes, multi_label=True)
    stream = StreamDataset(tree, samples_per_step=64, chunk_size=32, steps=2, batched=True)
    reference = source.build_tree()
    for i, (x, y) in enumerate(stream):
        reference.seek(i // 2, i % 2)
        X, sets = reference.batch(32)
        np.testing.assert_array_equal(x.numpy(), X.astype(np.float32))
        np.testing.assert_array_equal(y.numpy(), labels.encode(sets))  # row r is 1 exactly at sets[r]'s classes
    test = stream.experience(1, 200)
    assert test.tensors[1].dtype == torch.float32 and test.tensors[1].shape == (200, 2)
    assert set(map(tuple, test.tensors[1].tolist())) == {(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)}

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(32, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    loader = DataLoader(StreamDataset(tree, samples_per_step=512, chunk_size=32, steps=2), batch_size=32)
    losses = []
    for x, y in loader:
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert np.mean(losses[-5:]) < 0.75 * np.mean(losses[:5])  # from about ln 2
