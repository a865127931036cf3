"""Where the class's answers are kept: a database through SQLAlchemy (SQLite by default, PostgreSQL for a big course).

Two tables: ``answers`` (every answer ever given, the one that counts marked ``current``: a student's new answer to
the same exercise and kind replaces the old, which stays as history) and ``sessions`` (whether the teacher has
revealed the run). A reset ends the current answers of a session (they stay as history) and hides the run again.
Values and states are stored as JSON text, whatever they hold (an SQL-looking string is text like any other).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass

from sqlalchemy import Boolean, Float, Integer, String, Text, create_engine, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from .schema import Answer


class _Base(DeclarativeBase):
    pass


class AnswerRow(_Base):
    __tablename__ = "answers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session: Mapped[str] = mapped_column(String(200), index=True)
    user: Mapped[str] = mapped_column(String(255))
    exercise: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(Text)
    at: Mapped[float] = mapped_column(Float)
    current: Mapped[bool] = mapped_column(Boolean, index=True)

    def as_dict(self) -> dict:
        return {"user": self.user, "exercise": self.exercise, "kind": self.kind, "value": json.loads(self.value),
                "state": json.loads(self.state), "at": self.at, "current": self.current}


class SessionRow(_Base):
    __tablename__ = "sessions"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    revealed: Mapped[bool] = mapped_column(Boolean, default=False)
    changed: Mapped[float] = mapped_column(Float)


@dataclass
class Store:
    """The class's answers in the database at ``url`` (an SQLAlchemy URL); the tables are made when missing."""

    url: str

    def __post_init__(self):
        url = make_url(self.url)
        sqlite = url.get_backend_name() == "sqlite"
        if sqlite and url.database and url.database != ":memory:":  # its folder, the first time
            os.makedirs(os.path.dirname(os.path.abspath(url.database)), exist_ok=True)
        options = {"connect_args": {"timeout": 30}} if sqlite else {"pool_pre_ping": True}
        self.engine = create_engine(self.url, **options)
        _Base.metadata.create_all(self.engine)

    def add(self, session: str, user: str, answer: Answer) -> dict:
        """Keep ``user``'s answer; it replaces their current one to the same exercise and kind."""
        row = AnswerRow(session=session, user=user, exercise=answer.exercise, kind=answer.kind,
                        value=json.dumps(answer.value), state=json.dumps(answer.state), at=time.time(), current=True)
        with Session(self.engine) as db, db.begin():
            db.execute(update(AnswerRow).where(
                AnswerRow.session == session, AnswerRow.user == user, AnswerRow.exercise == answer.exercise,
                AnswerRow.kind == answer.kind, AnswerRow.current.is_(True)).values(current=False))
            db.add(row)
            db.flush()
            return row.as_dict()

    def answers(self, session: str, user: str | None = None, history: bool = False) -> list[dict]:
        """The session's current answers (``history``: every answer, oldest first), of ``user`` or of everyone."""
        query = select(AnswerRow).where(AnswerRow.session == session)
        if user is not None:
            query = query.where(AnswerRow.user == user)
        if not history:
            query = query.where(AnswerRow.current.is_(True))
        with Session(self.engine) as db:
            return [row.as_dict() for row in db.scalars(query.order_by(AnswerRow.id))]

    def revealed(self, session: str) -> bool:
        with Session(self.engine) as db:
            row = db.get(SessionRow, session)
            return bool(row and row.revealed)

    def reveal(self, session: str, on: bool = True) -> None:
        with Session(self.engine) as db, db.begin():
            row = db.get(SessionRow, session)
            if row is None:
                db.add(SessionRow(name=session, revealed=on, changed=time.time()))
            else:
                row.revealed, row.changed = on, time.time()

    def reset(self, session: str) -> int:
        """End the session's current answers (kept as history) and hide the run again; how many were ended."""
        with Session(self.engine) as db, db.begin():
            ended = db.execute(update(AnswerRow).where(AnswerRow.session == session, AnswerRow.current.is_(True))
                               .values(current=False)).rowcount
        self.reveal(session, False)
        return ended

    def summary(self, session: str) -> dict:
        """How many answered, and the aggregate of each exercise and kind (what a board draws)."""
        rows = self.answers(session)
        out: dict = {"session": session, "revealed": self.revealed(session), "students": len({r["user"] for r in rows}),
                     "exercises": {}}
        for row in rows:
            entry = out["exercises"].setdefault(row["exercise"], {}).setdefault(row["kind"], {"count": 0})
            entry["count"] += 1
            _aggregate(entry, row["kind"], row["value"])
        for kinds in out["exercises"].values():
            for kind, entry in kinds.items():
                _finish(entry, kind)
        return out


def _aggregate(entry: dict, kind: str, value) -> None:
    if kind == "point":
        entry.setdefault("points", []).append(value)
    elif kind == "choice":
        entry.setdefault("choices", {}).setdefault(value, 0)
        entry["choices"][value] += 1
    elif kind == "number":
        entry.setdefault("numbers", []).append(value)
    else:
        entry.setdefault("settings", []).append(value)


def _finish(entry: dict, kind: str) -> None:
    if kind == "point":
        xs, ys = zip(*entry["points"], strict=True)
        entry["mean"] = [sum(xs) / len(xs), sum(ys) / len(ys)]
    elif kind == "number":
        values = sorted(entry["numbers"])
        entry["numbers"] = values
        entry["median"] = values[len(values) // 2] if len(values) % 2 else (values[len(values) // 2 - 1]
                                                                          + values[len(values) // 2]) / 2

