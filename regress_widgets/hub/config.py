"""One line in a hub's config turns the class service on: :func:`configure`.

    from regress_widgets.hub import configure
    configure(c, teachers=["alice"], db=None)

It adds the managed service ``regress-widgets`` (the hub starts ``regress-widgets class-service`` and restarts it),
a custom scope that marks a teacher, and the roles: every user may reach the service (to send their answers); the
teachers (by user name, or every member of a hub group in ``teacher_groups``) may also read, reveal, reset and
export. The single-user servers' tokens (``$JUPYTERHUB_API_TOKEN``, which the kernels use) get the same scopes, as
far as their user holds them, and the kernels learn the service's address from ``$REGRESS_WIDGETS_CLASS_URL``.

The same line works in The Littlest JupyterHub's ``jupyterhub_config.d/`` and in Zero to JupyterHub's
``hub.extraConfig`` (docs/classroom-hub.md); the hub's environment needs ``pip install 'regress_widgets[hub]'``.
"""

from __future__ import annotations

import os
import shutil
import sys

SERVICE_NAME = "regress-widgets"
TEACH_SCOPE = f"custom:{SERVICE_NAME}:teach"
ACCESS_SCOPE = f"access:services!service={SERVICE_NAME}"
URL_ENV = "REGRESS_WIDGETS_CLASS_URL"
"""The environment variable that tells a kernel where the service is."""
SERVER_SCOPES = ["users:activity!user", "access:servers!server"]
"""The scopes of a single-user server's token in JupyterHub's own ``server`` role (kept)."""


def configure(c, teachers=(), db: str | None = None, *, teacher_groups=(), port: int = 10101,
              folder: str | None = None, kernel_url: str | None = None) -> None:
    """Add the class service to the hub's config ``c``.

    ``teachers``: user names; ``teacher_groups``: hub groups whose members are teachers. ``db``: an SQLAlchemy URL
    (default: an SQLite file in ``folder``, which defaults to ``regress-widgets-class`` beside the hub's own
    files). ``port``: where the service listens on loopback. ``kernel_url``: how the students' kernels reach the
    service, where that is not the loopback address (Zero to JupyterHub: ``http://proxy-public/services/…/``)."""
    teachers, teacher_groups = _names(teachers, "teachers"), _names(teacher_groups, "teacher_groups")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ValueError(f"port must be an integer in [1, 65535], got {port!r}")
    folder = os.path.abspath(folder or "regress-widgets-class")
    os.makedirs(folder, exist_ok=True)
    db = db or f"sqlite:///{os.path.join(folder, 'answers.sqlite')}"
    url = f"http://127.0.0.1:{port}"
    prefix = f"/services/{SERVICE_NAME}/"
    command = shutil.which("regress-widgets") or sys.executable
    command = [command, "class-service"] if command.endswith("regress-widgets") else [
        command, "-m", "regress_widgets.cli", "class-service"]
    service = {"name": SERVICE_NAME, "url": url, "command": command, "cwd": folder, "oauth_no_confirm": True,
               "environment": {"REGRESS_WIDGETS_CLASS_DB": db},
               "oauth_client_allowed_scopes": [TEACH_SCOPE]}
    c.JupyterHub.services = [s for s in _list(c.JupyterHub, "services") if s.get("name") != SERVICE_NAME] + [service]
    scopes = dict(_dict(c.JupyterHub, "custom_scopes"))
    scopes[TEACH_SCOPE] = {"description": "Read, reveal, reset and export the class's answers (regress_widgets)"}
    c.JupyterHub.custom_scopes = scopes
    roles = {r["name"]: dict(r) for r in _list(c.JupyterHub, "load_roles")}
    user = roles.get("user", {"name": "user", "scopes": ["self"]})
    user["scopes"] = sorted({*user.get("scopes", []), ACCESS_SCOPE})
    roles["user"] = user
    roles[f"{SERVICE_NAME}-teacher"] = {"name": f"{SERVICE_NAME}-teacher", "scopes": [ACCESS_SCOPE, TEACH_SCOPE],
                                        "users": teachers, "groups": teacher_groups,
                                        "description": "Teachers of the class (regress_widgets)"}
    c.JupyterHub.load_roles = list(roles.values())
    server = _list(c.Spawner, "server_token_scopes") or list(SERVER_SCOPES)
    c.Spawner.server_token_scopes = sorted({*server, ACCESS_SCOPE, TEACH_SCOPE})
    env = dict(_dict(c.Spawner, "environment"))
    env[URL_ENV] = kernel_url or f"{url}{prefix}"
    c.Spawner.environment = env


def _names(names, field: str) -> list[str]:
    if isinstance(names, str):
        names = [names]
    names = list(names)
    if not all(isinstance(n, str) and n for n in names):
        raise ValueError(f"{field} must be a list of names, got {names!r}")
    return names


def _list(section, name: str) -> list:
    value = section.get(name) if hasattr(section, "get") else None
    return list(value) if value else []


def _dict(section, name: str) -> dict:
    value = section.get(name) if hasattr(section, "get") else None
    return dict(value) if value else {}
