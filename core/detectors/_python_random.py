"""CPython's ``random.Random.sample``, replayed in bulk: KSWIN's reference samples, bit for bit.

river's KSWIN draws each reference sample with ``random.Random.sample``; :func:`_replay_samples`
gives the same samples many at a time and leaves the generator where the loop would.
"""
from __future__ import annotations

import functools
import math
import random
import re

import numpy as np


def _replay_samples(rng: random.Random, population: int, k: int, count: int) -> np.ndarray:
    """``[rng.sample(range(population), k) for _ in range(count)]`` as a (count, k) array, leaving ``rng``
    in the same state.

    CPython draws each index j < m as ``getrandbits(m.bit_length())``, redrawn while ≥ m, from one
    32-bit Mersenne Twister word per try, and (for a small population) picks pool[j] from a pool
    that shrinks by moving its last item into the hole. With a population of at most 255 the top
    byte of a word decides a try, so one regular expression over those bytes, "[rejected]*[accepted]"
    per draw, splits the words into samples in C; numpy then reads the accepted words and replays
    the pool moves. Few samples, or other sizes, call ``rng.sample``.
    """
    set_size = 21 + (4 ** math.ceil(math.log(k * 3, 4)) if k > 5 else 0)  # CPython's pool/set choice
    if count < 64 or population > min(255, set_size):
        return np.array([rng.sample(range(population), k) for _ in range(count)], dtype=np.intp).reshape(count, k)
    pattern, thresholds, shifts, words_per_sample = _sampling_program(population, k)
    state = rng.getstate()
    words = int(count * words_per_sample * 1.05) + 64
    while True:  # too few words end in a failed or misaligned match: then draw more
        raw = np.frombuffer(rng.getrandbits(32 * words).to_bytes(4 * words, "little"), "<u4")
        top = (raw >> 24).astype(np.uint8)
        pieces = pattern.split(top.tobytes(), maxsplit=count)  # gap, sample, gap, sample, ..., the rest
        rng.setstate(state)
        if len(pieces) == 2 * count + 1 and not any(pieces[0:-1:2]):
            break
        words *= 2
    ends = np.cumsum(np.fromiter(map(len, pieces[1::2]), np.intp, count))
    rng.getrandbits(32 * int(ends[-1]))
    position = np.concatenate(([0], ends[:-1]))
    picks = np.empty((k, count), dtype=np.intp)
    for i, (threshold, shift) in enumerate(zip(thresholds, shifts, strict=False)):
        rejected = np.flatnonzero(top[position] >= threshold)
        while rejected.size:
            position[rejected] += 1
            rejected = rejected[top[position[rejected]] >= threshold]
        picks[i] = top[position] >> shift
        position += 1
    pool = np.repeat(np.arange(population, dtype=np.uint8)[:, None], count, axis=1)
    flat, columns = pool.reshape(-1), np.arange(count)
    chosen = np.empty((k, count), dtype=np.intp)
    for i in range(k):
        slots = picks[i] * count + columns
        chosen[i] = flat[slots]
        flat[slots] = pool[population - 1 - i]
    return chosen.T


@functools.cache
def _sampling_program(population: int, k: int):
    bounds = range(population, population - k, -1)
    shifts = [8 - m.bit_length() for m in bounds]
    thresholds = [m << shift for m, shift in zip(bounds, shifts, strict=False)]  # a top byte below it is accepted
    units = b"".join(rb"[\x%02x-\xff]*[\x00-\x%02x]" % (t, t - 1) for t in thresholds)
    words_per_sample = sum(2 ** m.bit_length() / m for m in bounds)
    return re.compile(b"(" + units + b")"), thresholds, shifts, words_per_sample
