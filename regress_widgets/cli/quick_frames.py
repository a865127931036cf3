"""The kernel's websocket with Nagle's algorithm off: a Jupyter server setting for ``regress-widgets lab`` and
``singleuser`` (``--ServerApp.kernel_websocket_connection_class``); imported by the server, never by a kernel.

jupyter_server's kernel websocket leaves TCP_NODELAY unset (tornado's default), so the tail of a frame message
waits for the browser's acknowledgement of the segment before it, about 30 ms behind a hub on loopback
(benchmarks/classroom_hub.py: change → frame p50 44 ms through the proxy and past it, 15 ms over the kernel's own
sockets, 14 ms with this). A frame is one message of a few kB, sent once: nothing to coalesce.
"""

from __future__ import annotations

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection


class QuickFrames(ZMQChannelsWebsocketConnection):
    """jupyter_server's connection between a kernel and its page, each message on the wire at once."""

    def connect(self):
        self.websocket_handler.set_nodelay(True)
        return super().connect()
