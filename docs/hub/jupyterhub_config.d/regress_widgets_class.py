"""regress_widgets' class service on a JupyterHub: the students' predictions gathered onto the teacher's board.

The Littlest JupyterHub: copy this file to /opt/tljh/config/jupyterhub_config.d/ beside regress_widgets.py, put your
teachers' names in it, and run `sudo tljh-config reload`. Zero to JupyterHub: the same line goes in hub.extraConfig
(docs/hub/values.yaml). The hub's own environment needs `pip install 'regress_widgets[hub]'`.
tests/test_class_service.py loads this very file into the hub it starts. docs/class-service.md explains the service.
"""

from regress_widgets.hub import configure

c = get_config()  # noqa: F821 - JupyterHub's config loader defines get_config

# teachers: hub user names (teacher_groups=["staff"]: every member of a hub group); db: an SQLAlchemy URL, None for
# an SQLite file beside the hub's files (or $REGRESS_WIDGETS_CLASS_DB), e.g. "postgresql+psycopg://…" for a course.
configure(c, teachers=["alice"], db=None)
