"""A real PostgreSQL server for the tests: a cluster of its own in a temporary folder, on loopback, stopped by its
handle. Debian's ``postgresql`` package (``bash .ci/test`` installs it); under CI a missing server fails the test
that needs it, naming what to install."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

MISSING = ("PostgreSQL's initdb and pg_ctl are not installed (Debian: apt-get install postgresql; "
           "`bash .ci/test` installs it)")


def _binary(name: str) -> str | None:
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found if isinstance(found, str) else (found[-1] if found else None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_owner(argv: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as the ``postgres`` user Debian's package makes."""
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


@contextmanager
def postgres_server():
    """A fresh cluster in a temporary folder; yields its SQLAlchemy URL (psycopg, trust on loopback); stops it and
    removes the folder after. (Not under pytest's tmp_path: as root the server runs as ``postgres``, which may not
    enter root's 0700 folders.)"""
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if not (initdb and pg_ctl):
        if os.environ.get("CI"):
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    folder = Path(tempfile.mkdtemp(prefix="rw-postgres-"))
    data = folder / "pgdata"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    port = _free_port()
    subprocess.run(_as_owner([initdb, "-D", str(data), "-U", "rw", "--auth=trust", "-E", "UTF8", "--no-sync"]),
                   check=True, capture_output=True, text=True)
    options = f"-k {folder} -p {port} -h 127.0.0.1 -c fsync=off"
    subprocess.run(_as_owner([pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "server.log"), "-w",
                              "start"]), check=True, capture_output=True, text=True)
    try:
        yield f"postgresql+psycopg://rw@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_owner([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
