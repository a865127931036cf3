"""An exercise in a class (issue 23, the students' side) where no class service answers: outside a hub the Lab says
once that answers are not collected, with the service down it says why; either way the exercise works as without a
class (a held reveal is not held) and nothing waits in a slider's handler. With a real hub and service:
tests/test_class_service.py."""

from __future__ import annotations

import json
import socket

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import regress_widgets as rw  # noqa: E402
from regress_widgets.hub.client import ClassClient  # noqa: E402
from regress_widgets.lab.classroom.class_link import ClassLink  # noqa: E402
from regress_widgets.lab.exercises import load_exercises  # noqa: E402
from regress_widgets.recipes import InvalidSetting  # noqa: E402

CHOICE = {"recipe": "pytorch", "task": "Will it converge?", "settings": {"lr": 0.05},
          "predict": {"kind": "choice", "choices": ["converges", "diverges"]}}


@pytest.fixture
def no_hub(monkeypatch):
    monkeypatch.delenv("REGRESS_WIDGETS_CLASS_URL", raising=False)
    monkeypatch.delenv("JUPYTERHUB_API_TOKEN", raising=False)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


def test_outside_a_hub_the_lab_says_once_that_answers_are_not_collected(no_hub, tmp_path):
    path = tmp_path / "week3.json"
    path.write_text(json.dumps({"class": "week3", "hold_reveal": True, "exercises": [CHOICE]}))
    (ex,) = load_exercises(path)
    assert ex.class_session == "week3" and ex.hold_reveal
    ex_widget = rw.Exercises(path, display="none")
    lab = ex_widget.lab
    link = lab.classroom.link
    assert not link.collecting and "not collected here" in link.status.value
    lab.classroom.prediction.predict("converges")
    result = lab.classroom.prediction.commit()  # not held: nobody could reveal it
    assert result is not None and result.actual == "converges"
    assert "not collected here" in link.status.value and link.sent == []
    lab.set(lr=0.06)  # the rest works as without a class
    assert lab.recipe.lr == 0.06


def test_with_the_service_down_the_answer_is_not_lost_silently(monkeypatch):
    monkeypatch.setenv("REGRESS_WIDGETS_CLASS_URL", f"http://127.0.0.1:{closed_port()}/services/regress-widgets/")
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "not-a-real-token")
    lab = rw.Lab("pytorch", display="none", task="Will it converge?", lr=0.05, class_session="week3",
                 predict={"kind": "choice", "choices": ["converges", "diverges"]})
    link = lab.classroom.link
    assert link.collecting and "week3" in link.status.value
    lab.classroom.prediction.predict("diverges")
    result = lab.classroom.prediction.commit()
    assert result is not None and result.correct is False  # revealed: the service cannot hold it
    assert not link.collecting
    assert "Answers are not collected: the class service cannot be reached" in link.status.value


def test_a_held_reveal_waits_and_a_refused_answer_says_why(monkeypatch):
    calls = []

    class Refusing(ClassClient):  # the real client, against a closed port: every call fails as a real one would
        def send(self, *args, **kwargs):
            calls.append("send")
            return super().send(*args, **kwargs)

    client = Refusing(f"http://127.0.0.1:{closed_port()}/", "t", "week3")
    link = ClassLink("week3", "e1", hold=True, client=client)
    revealed = []
    link.send("number", 0.3, {}, then=lambda: link.reveal_when_told(lambda: revealed.append(True)))
    assert calls == ["send"] and revealed == [True] and not link.waiting


@pytest.mark.parametrize("session", ["", "x" * 201, "a\nb", 3])
def test_a_wrong_session_name_is_refused_naming_it(no_hub, session):
    with pytest.raises((InvalidSetting, ValueError), match="class_session"):
        rw.Lab("pytorch", display="none", class_session=session)


def test_a_file_holding_the_reveal_without_a_class_is_refused(no_hub, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"hold_reveal": True, "exercises": [CHOICE]}))
    with pytest.raises(InvalidSetting, match="hold_reveal"):
        load_exercises(path)
