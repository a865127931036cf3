"""The class of benchmarks/classroom.py on a real JupyterHub: every student a user of the hub, behind its proxy.

    python benchmarks/classroom_hub.py [--students 10] [--minutes 1] [--drag 3] [--pause 6] [--cold] [--json]
                                       [--past-proxy]

The hub is the tests' (tests/hub_support.py): JupyterHub with configurable-http-proxy on loopback, the teacher's
snippet (docs/hub/jupyterhub_config.d/regress_widgets.py: each server is ``regress-widgets singleuser``), every file
in a temporary folder; it needs what tests/test_browser_hub.py needs (JupyterHub, ``bash .ci/hub-proxy``). Per class
size a fresh hub: N students made through its REST API, a token each, their N servers started at once (the time
each took is printed), then the class of benchmarks/classroom.py plays, the same students doing the same things;
only their messages travel otherwise. A student's kernel is started by their server (``POST
/user/<name>/api/kernels``) and spoken to over the server's kernel websocket, ``/user/<name>/api/kernels/<id>/
channels``, through the proxy, in the binary ``v1.kernel.websocket.jupyter.org`` protocol, as JupyterLab 4 does.
Besides classroom.py's table: the single-user servers' and the hub's and proxy's memory (RSS, PSS) and CPU.
At the end the hub is stopped by its PID; a process of its left running fails the run. ``--past-proxy`` (to tell
the proxy's share of the times): the same, but each student speaks to their server's own port, not through the proxy.
"""

from __future__ import annotations

import json
import queue
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import psutil
import websocket  # websocket-client, which jupyter_server depends on
from jupyter_client.session import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from classroom import main  # noqa: E402

PROTOCOL = "v1.kernel.websocket.jupyter.org"
WANTED = {"comm_open", "comm_msg"}  # the IOPub messages a student's page reads; the rest is not even parsed


def pack_v1(channel: str, parts: list[bytes]) -> bytes:
    """A message in the v1 protocol: the number of offsets, the offsets (8 bytes, little-endian), the channel, then
    header, parent header, metadata, content (and buffers)."""
    offsets = [8 * (len(parts) + 3)]
    for part in (channel.encode(), *parts):
        offsets.append(offsets[-1] + len(part))
    return b"".join([len(offsets).to_bytes(8, "little"), *(o.to_bytes(8, "little") for o in offsets),
                     channel.encode(), *parts])


def unpack_v1(data: bytes, first: int = 4) -> tuple[str, list[memoryview]]:
    """The channel and the first ``first`` parts of a v1 message (the buffers after them are not copied)."""
    view = memoryview(data)
    count = int.from_bytes(view[:8], "little")
    offsets = [int.from_bytes(view[8 * (i + 1):8 * (i + 2)], "little") for i in range(count)]
    parts = [view[offsets[i]:offsets[i + 1]] for i in range(1, min(count - 1, first + 1))]
    return bytes(view[offsets[0]:offsets[1]]).decode(), parts


class HubKernel:
    """How a student's messages travel on the hub: a kernel of their single-user server, over its websocket through
    the proxy (the transport of classroom.py's ``LocalKernel``, with the same methods)."""

    def __init__(self, room: HubRoom, name: str):
        self.room, self.name = room, name
        self.session = Session(username=name)
        self.replies: queue.Queue = queue.Queue()  # (parent msg_id, content) of every shell reply
        self.listener: threading.Thread | None = None
        self.ws = None
        self.closing = False

    def start(self, on_iopub) -> None:
        self.id = self.room.user_api(self.name, "POST", "kernels", {"name": "python3"})["id"]
        url = (f"{self.room.base(self.name).replace('http', 'ws', 1)}/api/kernels/{self.id}/channels"
               f"?session_id={self.session.session}")
        self.ws = websocket.create_connection(url, header=[f"Authorization: token {self.room.tokens[self.name]}"],
                                              subprotocols=[PROTOCOL], timeout=300)
        if self.ws.getsubprotocol() != PROTOCOL:
            raise RuntimeError(f"the server chose the websocket protocol {self.ws.getsubprotocol()!r}, not {PROTOCOL}")
        self.listener = threading.Thread(target=self._listen, args=(on_iopub,), daemon=True)
        self.listener.start()
        self._request("kernel_info_request", {})  # as jupyter_client's wait_for_ready: the kernel answers

    def _messages(self):
        """The websocket's messages until the server's close frame: fragments joined, a ping answered, a close the
        server began answered; websocket-client's ``recv_data`` would answer our own close's answer with a second
        close frame, which the proxy then writes to a socket the server has ended (a 503 in its log)."""
        ws, frames = self.ws, self.ws.cont_frame
        while True:
            try:
                frame = ws.recv_frame()
            except websocket.WebSocketTimeoutException:
                continue  # 300 s of silence: still open
            except (websocket.WebSocketException, OSError):
                return  # the connection is gone
            if frame.opcode == websocket.ABNF.OPCODE_CLOSE:
                if not self.closing:
                    ws.send_close()
                return
            if frame.opcode == websocket.ABNF.OPCODE_PING:
                ws.pong(frame.data)
            elif frame.opcode in (websocket.ABNF.OPCODE_BINARY, websocket.ABNF.OPCODE_TEXT, websocket.ABNF.OPCODE_CONT):
                frames.validate(frame)
                frames.add(frame)
                if frames.is_fire(frame):
                    opcode, message = frames.extract(frame)
                    yield opcode, message.data

    def _listen(self, on_iopub) -> None:
        try:
            self._read(on_iopub)
        finally:
            self.replies.put((None, None))  # the connection is gone: a request waiting for its reply fails now

    def _read(self, on_iopub) -> None:
        for opcode, data in self._messages():
            if opcode != websocket.ABNF.OPCODE_BINARY:
                continue
            channel, (header, parent, _metadata, content) = unpack_v1(data)
            header = json.loads(bytes(header))
            if channel == "iopub" and header["msg_type"] in WANTED:
                on_iopub(header["msg_type"], json.loads(bytes(content)))
            elif channel == "shell":
                self.replies.put((json.loads(bytes(parent)).get("msg_id"), json.loads(bytes(content))))

    def _send(self, msg_type: str, content: dict) -> str:
        msg = self.session.msg(msg_type, content)
        pack = self.session.pack
        self.ws.send_binary(pack_v1("shell", [pack(msg["header"]), pack(msg["parent_header"]),
                                              pack(msg["metadata"]), pack(msg["content"])]))
        return msg["header"]["msg_id"]

    def _request(self, msg_type: str, content: dict) -> dict:
        msg_id = self._send(msg_type, content)
        while True:
            parent, reply = self.replies.get(timeout=300)
            if reply is None:
                raise ConnectionError(f"the kernel's websocket closed before the {msg_type}'s reply")
            if parent == msg_id:
                return reply

    def execute(self, code: str) -> dict:
        return self._request("execute_request", {"code": code, "silent": False, "store_history": True,
                                                 "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})

    def send_comm(self, comm: str, data: dict) -> None:
        self._send("comm_msg", {"comm_id": comm, "data": data})

    @property
    def process(self) -> psutil.Process:
        """The kernel: the child of the student's server whose command line names the kernel's id."""
        for child in self.room.servers[self.name].children():
            if self.id in " ".join(child.cmdline()):
                return child
        raise RuntimeError(f"{self.name}'s kernel {self.id} is not a child of their server")

    def close(self) -> None:
        if self.ws is not None:
            self.closing = True
            try:
                self.ws.send_close()
            except (websocket.WebSocketException, OSError):
                pass
            if self.listener is not None:
                self.listener.join(timeout=10)
            self.ws.shutdown()
        if getattr(self, "id", None):
            try:
                self.room.user_api(self.name, "DELETE", f"kernels/{self.id}")
            except urllib.error.HTTPError as err:
                if err.code != 404:  # 404: the server has removed it already (a kernel that died)
                    raise


class HubRoom:
    """A hub for a class of ``n``: started, its students made, given tokens, their servers started at once; stopped
    (and checked for strays) at the end."""

    @staticmethod
    def arguments(parser) -> None:
        parser.description = __doc__.splitlines()[0]
        parser.add_argument("--past-proxy", action="store_true", help="speak to each server at its own port")

    def __init__(self, n: int, args, folder: Path):
        self.n, self.folder, self.cold, self.past_proxy = n, folder, args.cold, args.past_proxy
        self.label = "JupyterHub 6.1, kernels over the v1 websocket " + (
            "PAST the proxy (each server's own port)" if self.past_proxy else "through configurable-http-proxy")
        self.names = [f"student{i}" for i in range(1, n + 1)]
        self.tokens: dict[str, str] = {}
        self.servers: dict[str, psutil.Process] = {}
        self.spawn: list[float] = []
        self.stack = ExitStack()

    def __enter__(self):
        import pytest
        from hub_support import SNIPPET, jupyterhub, require_hub

        try:
            proxy = require_hub()
        except (pytest.skip.Exception, pytest.fail.Exception) as why:
            raise SystemExit(f"the hub's class cannot play: {why}") from None
        snippets = [SNIPPET]
        if self.cold:  # every kernel (the servers' environment) with an empty numba cache
            cold = self.folder / "cold.py"
            cold.write_text("c = get_config()  # noqa: F821\nc.Spawner.environment.update("
                            f"NUMBA_CACHE_DIR={str(self.folder / 'numba-empty')!r})\n")
            snippets.append(cold)
        with ExitStack() as stack:
            self.hub = stack.enter_context(jupyterhub(self.folder / "hub", self.folder / "hub.log", proxy, snippets))
            self._start_servers()
            self.stack = stack.pop_all()
        return self

    def __exit__(self, *exc) -> None:
        self.stack.close()

    def _start_servers(self) -> None:
        for name in self.names:
            self.hub.add_student(name)
            self.tokens[name] = self.hub.api("POST", f"users/{name}/tokens", {"note": "classroom_hub",
                                                                             "expires_in": 7200})["token"]
        failed: list[str] = []

        def spawn(name: str) -> None:  # the hub answers when the server is up, or after 10 s (slow_spawn_timeout)
            try:
                self.hub.api("POST", f"users/{name}/server")
            except AssertionError as err:
                failed.append(str(err))

        started = time.perf_counter()
        posts = [threading.Thread(target=spawn, args=(name,)) for name in self.names]
        for post in posts:  # all at once, as a class logging in
            post.start()
        pending = set(self.names)
        while pending:
            if failed:
                raise SystemExit("a server did not start:\n" + "\n".join(failed))
            if time.perf_counter() - started > 300:
                raise SystemExit(f"servers not ready after 300 s: {sorted(pending)}; hub log: {self.folder}/hub.log")
            for name in sorted(pending):
                server = self.hub.api("GET", f"users/{name}")["servers"].get("", {})
                if server.get("ready"):
                    pending.discard(name)
                    self.spawn.append(time.perf_counter() - started)
            time.sleep(0.25)
        for post in posts:
            post.join()
        for pid in self.hub.marked_processes():
            try:
                proc = psutil.Process(pid)
                name = proc.environ().get("JUPYTERHUB_USER")
                if name in self.tokens and "jupyterhub.singleuser" in " ".join(proc.cmdline()):
                    self.servers[name] = proc
            except psutil.Error:
                pass
        if set(self.servers) != set(self.names):
            raise SystemExit(f"found the server processes of {sorted(self.servers)} only, not all of {self.names}")
        self.hub_and_proxy = [psutil.Process(self.hub.server.pid)] + [
            p for p in map(psutil.Process, self.hub.marked_processes()) if "configurable-http-proxy" in
            " ".join(p.cmdline())]

    def base(self, name: str) -> str:
        """Where a student's server is reached: ``/user/<name>`` through the proxy (``--past-proxy``: at its port)."""
        if self.past_proxy:
            return self.servers[name].environ()["JUPYTERHUB_SERVICE_URL"].rstrip("/")
        return f"{self.hub.url}/user/{name}"

    def user_api(self, name: str, method: str, path: str, body: dict | None = None) -> dict | None:
        """A student's server's REST API (``/user/<name>/api/<path>``), through the proxy, with their token."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.base(name)}/api/{path}", data=data, method=method,
                                         headers={"Authorization": f"token {self.tokens[name]}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=300) as response:
            text = response.read()
        return json.loads(text) if text else None

    def kernel(self, number: int) -> HubKernel:
        """Student ``number``'s kernel (0, the one who opens the notebook first to warm the caches: student1)."""
        return HubKernel(self, self.names[max(number, 1) - 1])

    def others(self) -> dict[str, list[psutil.Process]]:
        return {"single-user servers": [self.servers[n] for n in self.names], "hub + proxy": self.hub_and_proxy}

    def notes(self) -> list[str]:
        return [f"{self.n} servers started at once through the REST API: ready after median "
                f"{statistics.median(self.spawn):.1f} s, max {max(self.spawn):.1f} s"]


if __name__ == "__main__":
    main(room_type=HubRoom)
