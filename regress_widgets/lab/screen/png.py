"""The frames the Lab sends to the browser, fast to write because a frame is mostly zeros: PNGs
(:func:`encode_png`, :func:`next_frame`) and deflated boxes of pixels (:func:`next_parts`)."""

from __future__ import annotations

import struct
import zlib

import numpy as np

PNG_LEVEL = 1
"""zlib level of the frames' PNGs: the fastest. Kernel and browser sit on one machine or a fast link."""


def encode_png(rgba: np.ndarray, level: int = PNG_LEVEL) -> bytes:
    """An RGBA image (height, width, 4) as a PNG with no row filter, deflated at ``level``.

    A frame is mostly the zeros of unchanged pixels: filtering gains little on them. Pillow always chooses
    a filter for each row, which costs about as long as the deflating (measured on the Lab's figure: 9.7
    against 5.0 ms for the same frame), so the PNG's four chunks are written here (PNG spec, ISO 15948).
    """
    height, width, _ = rgba.shape
    rows = np.empty((height, 1 + 4 * width), dtype=np.uint8)
    rows[:, 0] = 0  # filter type 0 (None) for every row
    rows[:, 1:] = rgba.reshape(height, 4 * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8 bits a sample, RGBA, no interlace
    return b"".join((b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", header),
                     _chunk(b"IDAT", zlib.compress(rows.data, level)), _chunk(b"IEND", b"")))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _must_be_whole(pixels: np.ndarray, frame: np.ndarray, last: np.ndarray | None, force: bool) -> bool:
    """No last frame, a new size, transparent pixels (which would let the old picture show through), or asked."""
    return force or last is None or last.shape != frame.shape or bool((pixels[..., 3] != 255).any())


def next_frame(pixels: np.ndarray, last: np.ndarray | None, force: bool = False) -> tuple[bool, np.ndarray, bytes]:
    """The frame after ``last`` for a browser that paints changed pixels over the picture it has.

    ``pixels``: the RGBA buffer (height, width, 4); ``last``: the previous frame (one uint32 a pixel) or None.
    Returns (whole, this frame to keep as the next ``last``, its PNG): the whole picture when it must be (no
    last frame, a new size, transparent pixels, ``force``), else only the pixels that changed (the rest 0:
    transparent)."""
    frame = pixels.view(np.uint32)[..., 0]  # one number a pixel: whole pixels compared at once
    whole = _must_be_whole(pixels, frame, last, force)
    sent = frame if whole else np.where(frame != last, frame, 0)
    return whole, frame.copy(), encode_png(sent.view(np.uint8).reshape(*sent.shape, 4))


GAP = 24
"""Pixels: changed regions nearer to each other than this travel as one part."""


def next_parts(pixels: np.ndarray, last: np.ndarray | None, force: bool = False, level: int = PNG_LEVEL
               ) -> tuple[bool, np.ndarray, list[tuple[int, int, int, int, bytes]]]:
    """The frame after ``last`` as parts: boxes of RGBA pixels, zlib-deflated, each placed at (x, y) over the
    picture the browser has.

    Like :func:`next_frame`, but a changed frame is cut into the boxes around its changed regions
    (:func:`changed_boxes`), so that neither the kernel's deflating nor the browser's inflating passes over
    the unchanged rest; in a part, the pixels that did not change are transparent. The bytes are a PNG's
    without its chunks (zlib over rows of RGBA), which the browser inflates with its DecompressionStream and
    paints at once: a PNG would wait for the browser's image decoder, a task on another thread (25 ms a
    frame, measured in Chromium on a busy machine). Returns (whole, the frame to keep as the next ``last`` —
    ``last`` itself, brought up to date —, [(x, y, width, height, zlib bytes), …]: none when nothing
    changed)."""
    frame = pixels.view(np.uint32)[..., 0]
    height, width = frame.shape
    if _must_be_whole(pixels, frame, last, force):
        return True, frame.copy(), [(0, 0, width, height, zlib.compress(pixels.tobytes(), level))]
    changed = frame != last
    parts = []
    for r0, r1, c0, c1 in changed_boxes(changed):
        new = frame[r0:r1, c0:c1]
        sent = np.where(changed[r0:r1, c0:c1], new, 0)
        parts.append((c0, r0, c1 - c0, r1 - r0, zlib.compress(sent.tobytes(), level)))
        last[r0:r1, c0:c1] = new
    return False, last, parts


def changed_boxes(changed: np.ndarray, gap: int = GAP) -> list[tuple[int, int, int, int]]:
    """Boxes (row0, row1, col0, col1; ends excluded) that hold every True of ``changed`` (height, width): bands
    of changed rows, each cut into runs of changed columns and trimmed to its rows. Gaps under ``gap``
    pixels are bridged (fewer, larger parts)."""
    boxes = []
    for r0, r1 in _runs(changed.any(axis=1), gap):
        band = changed[r0:r1]
        for c0, c1 in _runs(band.any(axis=0), gap):
            rows = np.flatnonzero(band[:, c0:c1].any(axis=1))
            boxes.append((r0 + int(rows[0]), r0 + int(rows[-1]) + 1, c0, c1))
    return boxes


def _runs(flags: np.ndarray, gap: int) -> list[tuple[int, int]]:
    """(start, stop) of the runs of True in ``flags``, runs less than ``gap`` apart joined."""
    at = np.flatnonzero(flags)
    if at.size == 0:
        return []
    cut = np.flatnonzero(np.diff(at) > gap)
    starts = [int(at[0]), *(int(i) for i in at[cut + 1])]
    stops = [*(int(i) + 1 for i in at[cut]), int(at[-1]) + 1]
    return list(zip(starts, stops, strict=True))
