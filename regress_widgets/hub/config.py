"""One line in a hub's config turns the class service on: :func:`configure`.

    from regress_widgets.hub import configure
    configure(c, teachers=["alice"], db=None)

It adds the managed service ``regress-widgets`` (the hub starts ``regress-widgets class-service`` and restarts it),
a custom scope that marks a teacher, and the roles: every user may reach the service (to send their answers); the
teachers (by user name, or every member of a hub group in ``teacher_groups``) may also read, reveal, reset and
export. The single-user servers' tokens (``$JUPYTERHUB_API_TOKEN``, which the kernels use: JupyterHub's ``server``
role, where ``Spawner.server_token_scopes`` is not set) get the same scopes, as far as their user holds them, and the
kernels learn the service's address from ``$REGRESS_WIDGETS_CLASS_URL``.

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
"""The scopes of JupyterHub's own ``server`` role (a single-user server's token), kept as they are."""


def configure(c, teachers=(), db: str | None = None, *, teacher_groups=(), port: int | None = None,
              folder: str | None = None, kernel_url: str | None = None) -> None:
    """Add the class service to the hub's config ``c``.

    ``teachers``: user names; ``teacher_groups``: hub groups whose members are teachers. ``db``: an SQLAlchemy URL
    (default: ``$REGRESS_WIDGETS_CLASS_DB``, else an SQLite file in ``folder``, which defaults to
    ``regress-widgets-class`` beside the hub's own files). ``port``: where the service listens on loopback (default
    ``$REGRESS_WIDGETS_CLASS_PORT``, else 10101). ``kernel_url``: how the students' kernels reach the service, where
    that is not the loopback address (Zero to JupyterHub: ``http://proxy-public/services/regress-widgets/``)."""
    teachers, teacher_groups = _names(teachers, "teachers"), _names(teacher_groups, "teacher_groups")
    if port is None:
        given = os.environ.get("REGRESS_WIDGETS_CLASS_PORT", "10101")
        port = int(given) if given.isdigit() else given
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ValueError(f"port must be an integer in [1, 65535], got {port!r}")
    folder = os.path.abspath(folder or "regress-widgets-class")  # made by the service, with its SQLite file
    db = db or os.environ.get("REGRESS_WIDGETS_CLASS_DB") or f"sqlite:///{os.path.join(folder, 'answers.sqlite')}"
    url = f"http://127.0.0.1:{port}"
    prefix = f"/services/{SERVICE_NAME}/"
    command = shutil.which("regress-widgets") or sys.executable
    command = [command, "class-service"] if command.endswith("regress-widgets") else [
        command, "-m", "regress_widgets.cli", "class-service"]
    service = {"name": SERVICE_NAME, "url": url, "command": command, "oauth_no_confirm": True,
               "environment": {"REGRESS_WIDGETS_CLASS_DB": db},
               "oauth_client_allowed_scopes": [TEACH_SCOPE]}
    # Added to, never replacing, what other files of the hub's config say (TLJH loads each jupyterhub_config.d file
    # into a config of its own and merges them: a list or a dict set here would replace the others').
    c.JupyterHub.services.append(service)
    c.JupyterHub.custom_scopes.update({TEACH_SCOPE: {
        "description": "Read, reveal, reset and export the class's answers (regress_widgets)"}})
    c.JupyterHub.load_roles.extend([
        {"name": "user", "scopes": ["self", ACCESS_SCOPE]},  # every user may send answers
        {"name": "server", "scopes": [*SERVER_SCOPES, ACCESS_SCOPE, TEACH_SCOPE]},  # … from their kernels, as far as
        # the user holds each scope (a student's server token gets no teaching scope)
        {"name": f"{SERVICE_NAME}-teacher", "scopes": [ACCESS_SCOPE, TEACH_SCOPE], "users": teachers,
         "groups": teacher_groups, "description": "Teachers of the class (regress_widgets)"},
    ])
    c.Spawner.environment.update({URL_ENV: kernel_url or f"{url}{prefix}"})


def _names(names, field: str) -> list[str]:
    if isinstance(names, str):
        names = [names]
    names = list(names)
    if not all(isinstance(n, str) and n for n in names):
        raise ValueError(f"{field} must be a list of names, got {names!r}")
    return names
