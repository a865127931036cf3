"""ipympl's canvas, drawn from the change handler and sent as a quickly compressed PNG.

ipympl's ``draw_idle`` only tells the browser that the figure is stale; the browser then asks for the
image, and the kernel draws it when that request arrives: two trips between kernel and browser before a
slider move shows. :meth:`LiveCanvas.show_now` draws at once and sends the picture in the same handler.

The picture travels as matplotlib's web backend sends it: the pixels that changed since the last frame
(the others transparent), as a PNG, written by :func:`~.png.encode_png` (about 3× faster than Pillow's
default; ``benchmarks/screen.py``).
"""

from __future__ import annotations

import numpy as np
from ipympl.backend_nbagg import Canvas

from .png import next_frame


class LiveCanvas(Canvas):
    """ipympl's canvas widget (the same front end), drawn and sent by :meth:`show_now`."""

    def show_now(self) -> None:
        """Draw the figure and send the changed pixels to the browser now; before a browser has shown the
        canvas (it says "initialized"), ask for a draw as ipympl does (the browser asks when it is ready)."""
        if self.syncing_data_url:
            self.draw_idle()
        else:
            self.draw()

    def get_diff_image(self) -> bytes | None:
        """The next frame for the browser: the whole picture when it must be (first frame, new size,
        transparent pixels), else only the pixels that changed. Part of matplotlib's web-backend protocol."""
        if not self._png_is_old:
            return None
        pixels = np.asarray(self.get_renderer().buffer_rgba())
        whole, self._last_buff, png = next_frame(pixels, self._last_buff, force=self._force_full)
        self.set_image_mode("full" if whole else "diff")
        self._force_full = False
        self._png_is_old = False
        return png
