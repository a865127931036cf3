"""The class service behind a real JupyterHub (issue 23): the hub loads the teacher's snippet
(docs/hub/jupyterhub_config.d/regress_widgets_class.py: ``configure(c, teachers=["alice"])``), starts the service and
restarts it; every request is authenticated by the hub. The same tests run with the answers in SQLite and in a real
PostgreSQL server started here. Students' tokens are made through the hub's REST API with the scopes a kernel's
token gets (the service's access; a teacher's also the teaching scope).
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import statistics
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from browser_servers import free_port
from hub_support import CLASS_SNIPPET, SNIPPET, jupyterhub, require_hub
from postgres_support import postgres_server

from regress_widgets.hub.client import ClassClient, ClassServiceError
from regress_widgets.hub.config import ACCESS_SCOPE, SERVICE_NAME, TEACH_SCOPE

STUDENTS = ("ben", "cai", "dee")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def hub(request, tmp_path_factory):
    proxy = require_hub()
    folder = tmp_path_factory.mktemp(f"class-{request.param}")
    env = {"REGRESS_WIDGETS_CLASS_PORT": str(free_port())}
    with (postgres_server() if request.param == "postgresql" else _nothing()) as db:
        if db:
            env["REGRESS_WIDGETS_CLASS_DB"] = db
        with jupyterhub(folder / "hub", folder / "hub.log", proxy, (SNIPPET, CLASS_SNIPPET), env) as h:
            h.env, h.proxy, h.tokens = env, proxy, {}
            for name in ("alice", *STUDENTS):
                h.add_student(name)
                h.tokens[name] = _token(h, name)
            _wait_for_service(h)
            yield h


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _token(hub, name: str) -> str:
    scopes = [ACCESS_SCOPE, TEACH_SCOPE] if name == "alice" else [ACCESS_SCOPE]
    return hub.api("POST", f"users/{name}/tokens", {"scopes": scopes, "note": "as a kernel's"})["token"]


def service_pid(hub) -> int:
    """The class service's process: the one run in this hub's folder."""
    folder = str(hub.folder)  # the hub runs its services in its own folder
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and os.readlink(entry / "cwd") == folder and \
                    b"class-service" in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            pass
    assert len(found) == 1, f"the class service's process in {folder}: {found}"
    return found[0]


def _url(hub) -> str:
    return f"{hub.url}/services/{SERVICE_NAME}/"


def _wait_for_service(hub, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            status, reply = call(hub, "alice", "GET", "api/sessions/probe")
            if status == 200:
                return
            why = f"{status} {reply}"
        except (urllib.error.URLError, ConnectionError) as err:
            why = str(err)
        if time.monotonic() > deadline:
            raise AssertionError(f"the class service did not answer within {timeout:.0f} s: {why}")
        time.sleep(0.3)


def call(hub, who: str | None, method: str, path: str, body=None, raw: bytes | None = None):
    """(status, JSON or text) of a request to the service through the hub's proxy, as ``who`` (None: no token)."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    headers = {"Content-Type": "application/json"}
    if who is not None:
        headers["Authorization"] = f"token {hub.tokens.get(who, who)}"
    request = urllib.request.Request(_url(hub) + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, text, kind = response.status, response.read().decode(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as err:
        status, text, kind = err.code, err.read().decode(), err.headers.get("Content-Type", "")
    return status, (json.loads(text) if "json" in kind else text)


def answer(kind="point", value=(2.5, 4.0), exercise="e1", **extra):
    return {"exercise": exercise, "kind": kind, "value": list(value) if kind == "point" else value, "state": {},
            **extra}


def test_who_answered_comes_from_the_token_and_a_new_answer_replaces_the_old(hub):
    assert call(hub, "ben", "POST", "api/sessions/s1/responses", answer(value=(1, 1)))[0] == 201
    status, kept = call(hub, "ben", "POST", "api/sessions/s1/responses", answer(value=(2, 2)))
    assert status == 201 and kept["user"] == "ben" and kept["value"] == [2.0, 2.0]
    assert call(hub, "cai", "POST", "api/sessions/s1/responses", answer(value=(3, 3)))[0] == 201
    status, mine = call(hub, "ben", "GET", "api/sessions/s1/responses?mine=1")
    assert status == 200 and [(a["user"], a["value"]) for a in mine] == [("ben", [2.0, 2.0])]
    status, everyone = call(hub, "alice", "GET", "api/sessions/s1/responses")
    assert status == 200 and sorted(a["user"] for a in everyone) == ["ben", "cai"]
    status, history = call(hub, "alice", "GET", "api/sessions/s1/responses?history=1")
    assert [a["value"] for a in history if a["user"] == "ben"] == [[1.0, 1.0], [2.0, 2.0]]


def test_a_student_posting_as_another_is_refused_and_nobody_is_impersonated(hub):
    status, body = call(hub, "ben", "POST", "api/sessions/s2/responses", answer(user="cai"))
    assert status == 400 and body["field"] == "user"
    assert call(hub, "cai", "GET", "api/sessions/s2/responses?mine=1")[1] == []


@pytest.mark.parametrize("body, field", [
    (answer(kind="guess"), "kind"),
    (answer(kind="choice", value="explodes"), "value"),
    (answer(kind="settings", value={"lr": -1}), "value.lr"),
    ({"exercise": "e", "kind": "number"}, "value"),
    (answer(extra=1), "extra"),
])
def test_a_wrong_body_is_400_naming_the_field(hub, body, field):
    status, reply = call(hub, "ben", "POST", "api/sessions/s3/responses", body)
    assert status == 400 and reply["field"] == field and field.split(".")[0] in reply["error"]


@pytest.mark.parametrize("raw, field", [
    (b'{"exercise": "e", "kind": "number", "value": NaN}', "value"),
    (b'{"exercise": "e", "kind": "number", "value": Infinity}', "value"),
    (b'{"exercise": "e", "kind": "number", "value": 1, "state": {"x": "' + b"a" * 70_000 + b'"}}', "body"),
    (b"not json", "body"),
])
def test_nan_infinity_huge_and_broken_bodies_are_400(hub, raw, field):
    status, reply = call(hub, "ben", "POST", "api/sessions/s3/responses", raw=raw)
    assert status == 400 and reply["field"] == field


def test_sql_looking_strings_are_stored_as_text(hub):
    evil = "x'); DROP TABLE answers; --"
    assert call(hub, "ben", "POST", "api/sessions/s4/responses", answer(exercise=evil))[0] == 201
    status, rows = call(hub, "alice", "GET", "api/sessions/s4/responses")
    assert status == 200 and rows[0]["exercise"] == evil
    assert call(hub, "alice", "GET", "api/sessions/s1/responses")[0] == 200  # the table is still there


def test_no_token_is_401_a_bad_token_403_and_students_may_not_do_what_teachers_do(hub):
    assert call(hub, None, "POST", "api/sessions/s5/responses", answer())[0] == 401
    assert call(hub, None, "GET", "api/sessions/s5/responses?mine=1")[0] == 401
    assert call(hub, "not-a-token", "POST", "api/sessions/s5/responses", answer())[0] == 403
    for method, path in (("GET", "responses"), ("GET", "summary"), ("POST", "reveal"), ("POST", "reset"),
                         ("GET", "export.csv")):
        status, reply = call(hub, "ben", method, f"api/sessions/s5/{path}", {} if method == "POST" else None)
        assert status == 403 and "teacher" in reply["error"], (method, path, reply)


def test_reveal_summary_export_and_reset(hub):
    for name, choice in zip(STUDENTS, ("diverges", "diverges", "converges"), strict=True):
        assert call(hub, name, "POST", "api/sessions/s6/responses", answer("choice", choice))[0] == 201
    status, summary = call(hub, "alice", "GET", "api/sessions/s6/summary")
    assert status == 200 and summary["students"] == 3 and not summary["revealed"]
    assert summary["exercises"]["e1"]["choice"]["choices"] == {"diverges": 2, "converges": 1}
    assert call(hub, "alice", "POST", "api/sessions/s6/reveal", {})[0] == 200
    status, seen = call(hub, "ben", "GET", "api/sessions/s6/summary")  # students see the class after the reveal
    assert status == 200 and seen["revealed"]
    status, text = call(hub, "alice", "GET", "api/sessions/s6/export.csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert status == 200 and sorted(r["user"] for r in rows) == sorted(STUDENTS)
    assert {r["value"] for r in rows} == {'"diverges"', '"converges"'}
    status, reset = call(hub, "alice", "POST", "api/sessions/s6/reset", {})
    assert status == 200 and reset["ended"] == 3
    assert call(hub, "alice", "GET", "api/sessions/s6")[1] == {"session": "s6", "revealed": False, "students": 0,
                                                                "teacher": True}


def test_the_kernels_client_speaks_to_it(hub):
    student = ClassClient(_url(hub), hub.tokens["dee"], "s7")
    teacher = ClassClient(_url(hub), hub.tokens["alice"], "s7")
    student.send("e1", "number", 0.31, {"recipe": "pytorch"})
    assert [a["value"] for a in teacher.answers()] == [0.31]
    assert student.status() == {"session": "s7", "revealed": False, "students": 1, "teacher": False}
    with pytest.raises(ClassServiceError, match="only a teacher may reveal") as err:
        student.reveal()
    assert err.value.status == 403
    teacher.reveal()
    assert student.status()["revealed"]


def test_answers_survive_a_restart_of_the_service(hub):
    assert call(hub, "ben", "POST", "api/sessions/s8/responses", answer())[0] == 201
    os.kill(service_pid(hub), signal.SIGKILL)  # the hub notices and starts it again
    _wait_for_service(hub)
    status, rows = call(hub, "alice", "GET", "api/sessions/s8/responses")
    assert status == 200 and [a["user"] for a in rows] == ["ben"]


def test_200_students_posting_within_10_seconds_lose_nothing(hub):
    names = [f"s{i:03d}" for i in range(200)]
    for name in names:
        hub.api("POST", f"users/{name}")
        hub.tokens[name] = _token(hub, name)
    waits, errors = [], []

    def student(k, name):
        time.sleep(k * 0.05)  # 200 students within 10 s
        start = time.perf_counter()
        status, _ = call(hub, name, "POST", "api/sessions/load/responses", answer(value=(k, k)))
        waits.append(time.perf_counter() - start)
        if status != 201:
            errors.append((name, status))

    threads = [threading.Thread(target=student, args=(k, n)) for k, n in enumerate(names)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = call(hub, "alice", "GET", "api/sessions/load/responses")[1]
    p50, p95 = (1e3 * float(np.percentile(waits, q)) for q in (50, 95))
    where = "postgresql" if "postgresql" in hub.env.get("REGRESS_WIDGETS_CLASS_DB", "") else "sqlite"
    print(f"\n200 students within 10 s ({where}): p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {1e3 * max(waits):.0f} ms, "
          f"mean {1e3 * statistics.mean(waits):.0f} ms (each student's first request: the service asks the hub who "
          "the token is)")
    assert not errors and sorted(a["user"] for a in rows) == names


def test_answers_survive_a_restart_of_the_hub(tmp_path):
    proxy = require_hub()
    env = {"REGRESS_WIDGETS_CLASS_PORT": str(free_port())}
    folder = tmp_path / "hub"
    with jupyterhub(folder, tmp_path / "hub.log", proxy, (SNIPPET, CLASS_SNIPPET), env) as h:
        h.add_student("ben")
        h.tokens = {"alice": _token(h, "alice"), "ben": _token(h, "ben")}
        _wait_for_service(h)
        assert call(h, "ben", "POST", "api/sessions/kept/responses", answer(value=(7, 7)))[0] == 201
    with jupyterhub(folder, tmp_path / "hub-again.log", proxy, (SNIPPET, CLASS_SNIPPET), env) as h:
        h.tokens = {"alice": _token(h, "alice")}
        _wait_for_service(h)
        status, rows = call(h, "alice", "GET", "api/sessions/kept/responses")
        assert status == 200 and [(a["user"], a["value"]) for a in rows] == [("ben", [7.0, 7.0])]


def test_the_teachers_board_draws_every_kind(hub):
    import matplotlib

    matplotlib.use("Agg")
    import regress_widgets as rw

    state = {"recipe": "pytorch", "seed": 1, "lr": 0.05, "pair": [0, 1],
             "prediction": {"kind": "point", "step": 20, "answer": "first_diverging_lr"}}
    for k, name in enumerate(STUDENTS):
        student = ClassClient(_url(hub), hub.tokens[name], "board")
        student.send("where", "point", [2.0 + k, 3.0], state)
        student.send("ends", "choice", ("diverges", "converges", "diverges")[k], state)
        student.send("first lr", "number", (0.3, 0.2, 0.25)[k], state)
        student.send("settle", "settings", {"lr": 0.05 * (k + 1), "batch_size": 2 ** (k + 1)}, state)
    board = rw.ClassBoard("board", client=ClassClient(_url(hub), hub.tokens["alice"], "board"), display="none")
    assert "3 students answered" in board.heading.value and "hidden" in board.heading.value
    kinds = [value for _label, value in board.exercise.options]
    assert sorted(kinds) == [("ends", "choice"), ("first lr", "number"), ("settle", "settings"), ("where", "point")]
    assert board.exercise.value is not None
    for value in kinds:
        board.exercise.value = value
        assert board._drawn[0] == value and board.figure.axes, f"nothing drawn for {value}"
    board.names.value = True
    board.exercise.value = ("where", "point")
    texts = [t.get_text() for t in board.figure.axes[0].texts]
    assert sorted(texts) == sorted(STUDENTS)
    board.reveal()
    assert "revealed" in board.heading.value
    assert "mean distance" in board.figure.axes[0].get_title()
    csv_text = board.export()
    assert csv_text.count("\n") == 13 and "download board.csv" in board.download.value
    board.reset()
    assert "0 students answered" in board.heading.value
    board.close()


def test_the_board_follows_the_class_by_itself(hub):
    """On a kernel's event loop the board asks the service once a second: a new answer shows within 2 s."""
    import asyncio

    import regress_widgets as rw

    async def lesson():
        board = rw.ClassBoard("live", client=ClassClient(_url(hub), hub.tokens["alice"], "live"), display="none")
        try:
            seen = []
            for k, name in enumerate(STUDENTS):
                ClassClient(_url(hub), hub.tokens[name], "live").send("ends", "choice", "diverges", {})
                sent = time.monotonic()
                while f"{k + 1} student" not in board.heading.value and time.monotonic() - sent < 10:
                    await asyncio.sleep(0.05)
                seen.append(time.monotonic() - sent)
            ClassClient(_url(hub), hub.tokens["ben"], "live").send("first lr", "number", 0.3, {})
            sent = time.monotonic()
            while len(board.exercise.options) < 2 and time.monotonic() - sent < 10:
                await asyncio.sleep(0.05)
            seen.append(time.monotonic() - sent)
            return seen
        finally:
            board.close()

    seen = asyncio.run(lesson())
    print(f"\nanswer → the board shows it: {', '.join(f'{s:.2f}' for s in seen)} s")
    assert max(seen) <= 2.0, seen
