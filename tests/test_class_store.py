"""The class's answers (issue 23): what an answer may be, and how the store keeps them, the same on SQLite and on a
real PostgreSQL server started here. The service in front of them, behind a real hub, is tests/test_class_service.py.
"""

from __future__ import annotations

import json
import threading

import pytest
from postgres_support import postgres_server

from regress_widgets.hub.schema import MAX_BODY, BadAnswer, read_answer
from regress_widgets.hub.store import Store


def body(**fields) -> bytes:
    return json.dumps(fields).encode()


POINT = dict(exercise="where after 50 steps", kind="point", value=[2.5, 4.0], state={"recipe": "pytorch"})


@pytest.mark.parametrize("fields, field, words", [
    (dict(POINT, kind="guess"), "kind", "one of point, choice, number, settings"),
    (dict(POINT, value=[1.0]), "value", "a point [x, y]"),
    (dict(POINT, value=[1.0, "2"]), "value", "a point [x, y]"),
    (dict(POINT, value=[True, 2]), "value", "a point [x, y]"),
    (dict(POINT, kind="choice", value="explodes"), "value", "one of converges, oscillates, diverges"),
    (dict(POINT, kind="number", value="0.3"), "value", "a number"),
    (dict(POINT, kind="settings", value={"lr": -1}), "value.lr", "a number in"),
    (dict(POINT, kind="settings", value={"learning_rate": 0.1}), "value.learning_rate", "a setting"),
    (dict(POINT, kind="settings", value={}), "value", "an object of settings"),
    (dict(POINT, user="mallory"), "user", "who answered comes from the token"),
    (dict(POINT, exercise=""), "exercise", "a name of 1 to 200 characters"),
    (dict(POINT, exercise="x" * 201), "exercise", "a name of 1 to 200 characters"),
    (dict(POINT, state=[1, 2]), "state", "an object"),
    ({k: v for k, v in POINT.items() if k != "value"}, "value", "given"),
])
def test_a_wrong_answer_names_its_field(fields, field, words):
    with pytest.raises(BadAnswer) as err:
        read_answer(body(**fields))
    assert err.value.field == field and words in str(err.value)


@pytest.mark.parametrize("text, field", [
    (b'{"exercise": "e", "kind": "number", "value": NaN}', "value"),
    (b'{"exercise": "e", "kind": "point", "value": [1, Infinity]}', "value[1]"),
    (b'{"exercise": "e", "kind": "number", "value": 1, "state": {"lr": -Infinity}}', "state.lr"),
    (b'{"exercise": "e", "kind": ', "body"),
    (b'[1, 2]', "body"),
    (b'\xff\xfe', "body"),
])
def test_nan_infinity_and_broken_json_are_refused(text, field):
    with pytest.raises(BadAnswer) as err:
        read_answer(text)
    assert err.value.field == field


def test_a_body_over_64_kib_is_refused_before_it_is_read():
    big = body(**dict(POINT, state={"notes": "x" * MAX_BODY}))
    with pytest.raises(BadAnswer, match="body must be at most 64 KiB"):
        read_answer(big)


def test_settings_answers_are_checked_by_the_settings_table():
    answer = read_answer(body(exercise="settle", kind="settings", value={"lr": 0.05, "batch_size": 8}))
    assert answer.value == {"lr": 0.05, "batch_size": 8}
    with pytest.raises(BadAnswer, match="value.batch_size must be an integer"):
        read_answer(body(exercise="settle", kind="settings", value={"batch_size": 2.5}))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(request, tmp_path_factory):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('class') / 'answers.sqlite'}"
    else:
        with postgres_server() as url:
            yield url


@pytest.fixture
def store(database, request):
    s = Store(database)
    s.session = request.node.name[:150]  # a session of the test's own, in the module's database
    return s


def answer(kind="point", value=(2.5, 4.0), exercise="e1", state=None):
    return read_answer(body(exercise=exercise, kind=kind, value=list(value) if kind == "point" else value,
                            state=state or {}))


def test_a_new_answer_replaces_the_old_and_the_history_is_kept(store):
    s = store.session
    store.add(s, "ana", answer(value=(1, 1)))
    store.add(s, "ana", answer(value=(2, 2)))
    store.add(s, "ana", answer(kind="choice", value="diverges"))
    store.add(s, "ben", answer(value=(3, 3)))
    mine = store.answers(s, "ana")
    assert sorted((a["kind"], json.dumps(a["value"])) for a in mine) == [("choice", '"diverges"'),
                                                                         ("point", "[2.0, 2.0]")]
    history = store.answers(s, "ana", history=True)
    assert [a["value"] for a in history if a["kind"] == "point"] == [[1.0, 1.0], [2.0, 2.0]]
    assert [a["current"] for a in history if a["kind"] == "point"] == [False, True]
    assert len(store.answers(s)) == 3


def test_summary_counts_and_aggregates_each_kind(store):
    s = store.session
    store.add(s, "ana", answer(value=(1, 2)))
    store.add(s, "ben", answer(value=(3, 6)))
    for user, choice in [("ana", "diverges"), ("ben", "diverges"), ("cai", "converges")]:
        store.add(s, user, answer(kind="choice", value=choice, exercise="e2"))
    for user, lr in [("ana", 0.3), ("ben", 0.1), ("cai", 0.2)]:
        store.add(s, user, answer(kind="number", value=lr, exercise="e3"))
    store.add(s, "ana", answer(kind="settings", value={"lr": 0.05, "batch_size": 8}, exercise="e4"))
    out = store.summary(s)
    assert out["students"] == 3 and out["revealed"] is False
    assert out["exercises"]["e1"]["point"] == {"count": 2, "points": [[1.0, 2.0], [3.0, 6.0]], "mean": [2.0, 4.0]}
    assert out["exercises"]["e2"]["choice"] == {"count": 3, "choices": {"diverges": 2, "converges": 1}}
    assert out["exercises"]["e3"]["number"]["numbers"] == [0.1, 0.2, 0.3]
    assert out["exercises"]["e3"]["number"]["median"] == 0.2
    assert out["exercises"]["e4"]["settings"]["settings"] == [{"lr": 0.05, "batch_size": 8}]


def test_reveal_then_reset_ends_the_answers_but_keeps_them(store):
    s = store.session
    store.add(s, "ana", answer())
    store.reveal(s)
    assert store.revealed(s)
    assert store.reset(s) == 1
    assert not store.revealed(s) and store.answers(s) == []
    assert len(store.answers(s, history=True)) == 1


def test_sql_looking_text_is_stored_as_text(store):
    s = store.session
    evil = "x'); DROP TABLE answers; --"
    store.add(s, "robert'); DROP TABLE answers;--", answer(exercise=evil, state={"note": evil}))
    (row,) = store.answers(s)
    assert row["exercise"] == evil and row["state"] == {"note": evil}
    assert row["user"] == "robert'); DROP TABLE answers;--"


def test_answers_survive_a_new_store_on_the_same_database(store, database):
    store.add(store.session, "ana", answer())
    again = Store(database)
    assert len(again.answers(store.session)) == 1


def test_many_students_at_once_lose_nothing(store):
    s = store.session
    errors = []

    def student(i):
        try:
            for k in range(3):  # each answers three times: one current answer stays
                store.add(s, f"student{i}", answer(value=(i, k)))
        except Exception as err:  # noqa: BLE001 - collected, the test fails on it
            errors.append(err)

    threads = [threading.Thread(target=student, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    current = store.answers(s)
    assert sorted(a["user"] for a in current) == sorted(f"student{i}" for i in range(40))
    assert all(a["value"][1] == 2.0 for a in current)
    assert len(store.answers(s, history=True)) == 120
