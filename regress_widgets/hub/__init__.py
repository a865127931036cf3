"""The class on a JupyterHub: ``configure(c, teachers=[...])`` for the hub's config, the class service that keeps the
students' answers (a JupyterHub service; needs ``regress_widgets[hub]``), and the client a kernel speaks to it with.
May import recipes and theory (to check answers); never matplotlib, widgets, the engine or the lab.

    config.py   configure(): the managed service, its scopes and roles, the kernels' address of it
    service.py  the service: its API under /services/regress-widgets/, every request authenticated by the hub
    schema.py   what an answer may be, checked field by field
    store.py    the answers in SQLite or PostgreSQL (SQLAlchemy), history kept
    client.py   a kernel's side: send an answer, ask whether the run is revealed, read the class (teachers)
"""

from .config import configure

__all__ = ["configure"]
