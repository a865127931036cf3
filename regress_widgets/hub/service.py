"""The class service: a JupyterHub service (``regress-widgets class-service``) that keeps the class's answers.

The hub starts it (and restarts it when it dies) with its URL, prefix and API token in the environment
(:func:`~.config.configure` writes that part of the hub's config). Every request is authenticated by the hub's own
library, :mod:`jupyterhub.services.auth`: a kernel sends its user's token (``Authorization: token …``), a browser
page has the hub's OAuth cookie (reads only: anything that changes something needs a token, so no other page can
make a teacher's browser change the class). Who answered is the token's user, never what the body says.

Under the service's prefix (``/services/regress-widgets/``), JSON unless said (docs/class-service.md):

    POST api/sessions/{s}/responses   an answer → 201             GET api/sessions/{s}/responses?mine=1  your own
    GET  api/sessions/{s}/responses   everyone's (teachers)         GET api/sessions/{s}/summary  (teachers; all after
    GET  api/sessions/{s}             revealed?, how many answered                                   the reveal)
    POST api/sessions/{s}/reveal, …/reset (teachers)                GET api/sessions/{s}/export.csv (teachers)

A wrong body is 400 naming the field, no token 401, a bad token or a student asking what only teachers may 403.
"""

from __future__ import annotations

import argparse
import csv
import html
import io
import json
import os
import secrets
import sys
from datetime import datetime, timezone
from urllib.parse import urlparse

from jupyterhub.services.auth import HubOAuth, HubOAuthCallbackHandler, HubOAuthenticated
from tornado import ioloop, web

from .config import SERVICE_NAME, TEACH_SCOPE
from .schema import BadAnswer, check_name, read_answer
from .store import Store

DB_ENV = "REGRESS_WIDGETS_CLASS_DB"
"""The environment variable :func:`~.config.configure` passes the database's URL in."""


class ServiceHandler(web.RequestHandler):
    """Authenticates with the hub first: ``self.user`` is the hub's model of who asks, ``self.teacher`` whether they
    hold the service's teaching scope."""

    def initialize(self, store: Store, hub_auth: HubOAuth):
        self.store = store
        self.hub_auth = hub_auth

    async def prepare(self):
        token = self.hub_auth.get_token(self, in_cookie=False)
        if token:
            model = await self.hub_auth.user_for_token(token, sync=False)
        elif self.request.method == "GET":  # a browser signed in through the hub: its OAuth cookie, for reading
            model = await self.hub_auth.get_user(self, sync=False)
        else:
            model = None
        if model is None:
            if token:
                self.fail(403, "the token is not valid here (sign in to the hub again)")
            self.fail(401, "no token: send the hub's API token (Authorization: token …)")
        if not self.hub_auth.check_scopes(self.hub_auth.access_scopes, model):
            self.fail(403, f"{model.get('name')} may not use this service")
        self.user = model
        self.teacher = bool(self.hub_auth.check_scopes({TEACH_SCOPE}, model))

    def fail(self, status: int, message: str, field: str | None = None):
        raise _Refused(status, message, field)

    def teachers_only(self, what: str) -> None:
        if not self.teacher:
            self.fail(403, f"only a teacher may {what}")

    def session(self, name: str) -> str:
        try:
            return check_name(name, "session")
        except BadAnswer as err:
            self.fail(400, str(err), err.field)

    def reply(self, data, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(data))

    def write_error(self, status_code: int, **kwargs):
        err = kwargs.get("exc_info", (None, None))[1]
        body = {"error": err.message, "field": err.field} if isinstance(err, _Refused) else {
            "error": self._reason}
        if status_code == 401:
            self.set_header("WWW-Authenticate", "token")
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))


class _Refused(web.HTTPError):
    def __init__(self, status: int, message: str, field: str | None):
        super().__init__(status, log_message=message.replace("%", "%%"))
        self.message, self.field = message, field


class Responses(ServiceHandler):
    def post(self, session):
        session = self.session(session)
        try:
            answer = read_answer(self.request.body)
        except BadAnswer as err:
            self.fail(400, str(err), err.field)
        self.reply(self.store.add(session, self.user["name"], answer), 201)

    def get(self, session):
        session = self.session(session)
        if self.get_argument("mine", "") in ("1", "true"):
            self.reply(self.store.answers(session, self.user["name"]))
            return
        self.teachers_only("read everyone's answers (ask for your own with ?mine=1)")
        self.reply(self.store.answers(session, history=self.get_argument("history", "") in ("1", "true")))


class Summary(ServiceHandler):
    def get(self, session):
        session = self.session(session)
        if not self.teacher and not self.store.revealed(session):
            self.fail(403, "the class's answers are shown after the teacher reveals the run")
        self.reply(self.store.summary(session))


class Status(ServiceHandler):
    def get(self, session):
        session = self.session(session)
        answered = len({a["user"] for a in self.store.answers(session)})
        self.reply({"session": session, "revealed": self.store.revealed(session), "students": answered,
                    "teacher": self.teacher})


class Reveal(ServiceHandler):
    def post(self, session):
        session = self.session(session)
        self.teachers_only("reveal the run")
        self.store.reveal(session)
        self.reply({"session": session, "revealed": True})


class Reset(ServiceHandler):
    def post(self, session):
        session = self.session(session)
        self.teachers_only("reset the session")
        ended = self.store.reset(session)
        self.reply({"session": session, "revealed": False, "ended": ended})


class Export(ServiceHandler):
    def get(self, session):
        session = self.session(session)
        self.teachers_only("export the answers")
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["session", "user", "exercise", "kind", "value", "at", "current"])
        for a in self.store.answers(session, history=True):
            at = datetime.fromtimestamp(a["at"], timezone.utc).isoformat(timespec="seconds")
            writer.writerow([session, a["user"], a["exercise"], a["kind"], json.dumps(a["value"]), at,
                             int(a["current"])])
        self.set_header("Content-Type", "text/csv; charset=utf-8")
        self.set_header("Content-Disposition", f'attachment; filename="{session}.csv"')
        self.finish(out.getvalue())


class Home(HubOAuthenticated, web.RequestHandler):
    """The service's page for a browser: signed in through the hub (OAuth), it says who you are and what to do."""

    def initialize(self, store: Store, hub_auth: HubOAuth):
        self.hub_auth = hub_auth

    @web.authenticated
    def get(self):
        name = html.escape(self.current_user["name"])
        teacher = self.hub_auth.check_scopes({TEACH_SCOPE}, self.current_user)
        role = ("a teacher: <code>rw.ClassBoard(\"week3\")</code> in a notebook shows the class's answers" if teacher
                else "a student: your exercises send your answers here")
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish("<!doctype html><title>regress_widgets: the class</title><h1>The class service</h1>"
                    f"<p>Signed in as <b>{name}</b>, {role}.</p>")


def make_app(store: Store, hub_auth: HubOAuth, prefix: str) -> web.Application:
    args = {"store": store, "hub_auth": hub_auth}
    s = prefix + r"api/sessions/([^/]+)"
    return web.Application([
        (prefix + r"oauth_callback", HubOAuthCallbackHandler),
        (prefix, Home, args),
        (s, Status, args),
        (s + r"/responses", Responses, args),
        (s + r"/summary", Summary, args),
        (s + r"/reveal", Reveal, args),
        (s + r"/reset", Reset, args),
        (s + r"/export\.csv", Export, args),
    ], cookie_secret=secrets.token_bytes(32), hub_auth=hub_auth, login_url=hub_auth.login_url)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="regress-widgets class-service",
                                     description="The class service (a JupyterHub service; the hub starts it).")
    parser.add_argument("--db", default=os.environ.get(DB_ENV), help="SQLAlchemy URL of the answers' database "
                        f"(default: ${DB_ENV}, else an SQLite file in this folder)")
    args = parser.parse_args(argv)
    url = os.environ.get("JUPYTERHUB_SERVICE_URL")
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", f"/services/{SERVICE_NAME}/")
    if not url or not os.environ.get("JUPYTERHUB_API_TOKEN"):
        print("regress-widgets class-service: error: run by a JupyterHub (JUPYTERHUB_SERVICE_URL and "
              "JUPYTERHUB_API_TOKEN are not set): add `configure(c, teachers=[...])` to the hub's config",
              file=sys.stderr)
        return 2
    store = Store(args.db or f"sqlite:///{os.path.abspath('answers.sqlite')}")
    hub_auth = HubOAuth(cache_max_age=60)
    where = urlparse(url)
    make_app(store, hub_auth, prefix).listen(where.port or 80, where.hostname)
    print(f"class service on {url}{prefix}, answers in {store.engine.url.render_as_string(hide_password=True)}",
          flush=True)
    ioloop.IOLoop.current().start()
    return 0
