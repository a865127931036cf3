"""A kernel's side of the class service: :class:`ClassClient` sends an answer, asks whether the run is revealed, and
(for a teacher) reads, reveals, resets and exports the class.

It speaks plain HTTP with the standard library (no jupyterhub or SQLAlchemy in a student's kernel), with the token
the hub gave the single-user server (``$JUPYTERHUB_API_TOKEN``) to the address :func:`~.config.configure` put in
``$REGRESS_WIDGETS_CLASS_URL``. Every call is blocking with a short timeout: the widgets call it from a worker
thread, never from a slider's handler. A failure is a :class:`ClassServiceError` saying what went wrong in words.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from urllib.parse import quote

from .config import URL_ENV
from .schema import check_name

TIMEOUT = 5.0
"""Seconds a call waits for the service."""


class ClassServiceError(RuntimeError):
    """The service could not be reached, or refused: ``status`` is its HTTP status (None: not reached)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class ClassClient:
    """The class session ``session`` on the service at ``url``, as the owner of ``token``."""

    def __init__(self, url: str, token: str, session: str):
        self.url = url if url.endswith("/") else url + "/"
        self.token = token
        self.session = check_name(session, "class_session")

    @classmethod
    def from_environment(cls, session: str) -> ClassClient | None:
        """The client a kernel on the class's hub has; None outside a hub (Binder, a laptop) or where the hub does
        not run the class service."""
        url, token = os.environ.get(URL_ENV), os.environ.get("JUPYTERHUB_API_TOKEN")
        return cls(url, token, session) if url and token else None

    def _call(self, method: str, path: str, body: dict | None = None, *, raw: bool = False):
        where = f"{self.url}api/sessions/{quote(self.session, safe='')}{path}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(where, data=data, method=method, headers={
            "Authorization": f"token {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as err:
            try:
                message = json.loads(err.read().decode()).get("error") or err.reason
            except ValueError:
                message = err.reason
            raise ClassServiceError(f"the class service refused: {message}", err.code) from None
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise ClassServiceError(f"the class service cannot be reached ({reason})") from None
        return text if raw else json.loads(text)

    # --- a student
    def send(self, exercise: str, kind: str, value, state: dict | None = None) -> dict:
        """Send an answer (it replaces this user's last one to the same exercise and kind)."""
        return self._call("POST", "/responses", {"exercise": exercise, "kind": kind, "value": value,
                                                 "state": state or {}})

    def status(self) -> dict:
        """``{"revealed": bool, "students": how many answered, "teacher": whether this user teaches}``."""
        return self._call("GET", "")

    def mine(self) -> list[dict]:
        return self._call("GET", "/responses?mine=1")

    # --- a teacher
    def answers(self, history: bool = False) -> list[dict]:
        return self._call("GET", "/responses" + ("?history=1" if history else ""))

    def summary(self) -> dict:
        return self._call("GET", "/summary")

    def reveal(self) -> dict:
        return self._call("POST", "/reveal", {})

    def reset(self) -> dict:
        return self._call("POST", "/reset", {})

    def export_csv(self) -> str:
        return self._call("GET", "/export.csv", raw=True)
