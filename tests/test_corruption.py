"""Property-based: random corruptions of a shipped recording never crash, hang or pass with other data.

Byte-level: flips, overwrites, insertions, deletions and truncations of the real PyTorch recording's
file. Array-level: a key of a valid recording replaced by a hostile value. Each either raises
RecordingError, or loads exactly the original arrays (the corruption touched nothing that is read,
such as a local header's timestamp) and replays within tolerance as before.
"""

from __future__ import annotations

import contextlib
import signal

import numpy as np
import pytest
from conftest import build_recording
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import regress_widgets as rw
from regress_widgets.frameworks.record import shipped
from regress_widgets.frameworks.recording import KEYS

ORIGINAL = shipped("pytorch").read_bytes()
REFERENCE = rw.Recording.load(shipped("pytorch"))
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                          HealthCheck.function_scoped_fixture])


@contextlib.contextmanager
def no_hang(seconds: int = 20):
    """Fail (rather than hang the suite) when the body runs longer than ``seconds``."""
    def stop(signum, frame):
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@st.composite
def corrupted(draw) -> bytes:
    data = bytearray(ORIGINAL)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "overwrite", "insert", "delete", "truncate"]))
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=16))
            data[at:at + len(chunk)] = chunk
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 16))]
        else:
            del data[at:]
        if not data:
            break
    return bytes(data)


def _same_as_reference(rec) -> bool:
    return rec.meta == REFERENCE.meta and all(
        np.array_equal(getattr(rec, k), getattr(REFERENCE, k), equal_nan=True) for k in KEYS if k != "meta")


@pytest.mark.skipif(not hasattr(signal, "SIGALRM"), reason="needs SIGALRM")
@FAST
@given(blob=corrupted())
def test_byte_corruptions_never_crash_hang_or_pass(tmp_path, blob):
    path = tmp_path / "corrupt.npz"
    path.write_bytes(blob)
    with no_hang():
        try:
            rec = rw.Recording.load(path)
        except rw.RecordingError:
            return
        result = rw.replay(rec)
    # it loaded: then it read exactly the original data, which replays as before
    assert _same_as_reference(rec), "a corrupted file was read as different data without an error"
    assert result.ok


HOSTILE = [
    np.array([]), np.zeros((0, 2)), np.zeros((2, 2, 2)), np.array([np.nan]), np.array([np.inf, -np.inf]),
    np.array([2**63 - 1, 2**63 - 1], dtype=np.int64), np.array([-1, 5]), np.array([1e308, -1e308]),
    np.array(["a", "b"]), np.array([True, False]), np.array([1 + 2j]), np.array(7), np.zeros(3, dtype=np.float16),
]


@FAST
@given(key=st.sampled_from([k for k in KEYS if k != "meta"]), value=st.sampled_from(HOSTILE),
       kind=st.sampled_from(["pytorch", "caffe2"]), scale=st.sampled_from([None, 0, -1, 1e300, np.nan]))
def test_hostile_arrays_never_crash_or_pass(key, value, kind, scale):
    arrays = build_recording(kind)
    original = arrays[key]
    if scale is None:
        arrays[key] = value
    else:  # the right shape and dtype, hostile values
        with np.errstate(all="ignore"):
            arrays[key] = (original * scale).astype(original.dtype)
    with no_hang():
        try:
            result = rw.replay(arrays)
        except rw.RecordingError as err:
            assert err.key in KEYS
            return
    unchanged = np.shape(arrays[key]) == np.shape(original) and np.array_equal(arrays[key], original)
    assert result.ok == unchanged, (key, value, scale)  # e.g. PyTorch's θ₀ = 0 times 0 is still the recording
