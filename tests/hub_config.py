"""The test hub's configuration (tests/hub_support.py starts ``jupyterhub -f`` on this file).

Only what a test needs and a classroom must not copy: loopback ports, the files in a temporary folder, a service token
for the harness, any name and password let in. Everything about regress_widgets comes from the teacher's snippet,
``docs/hub/jupyterhub_config.d/regress_widgets.py``, loaded here as TLJH loads its jupyterhub_config.d files; the
settings after it only say where a student's home is, and let the single-user server run as root where the tests do.
The numbers and paths come from the JSON file named by ``REGRESS_WIDGETS_TEST_HUB_SETTINGS``.
"""

import json
import os
from pathlib import Path

c = get_config()  # noqa: F821 - JupyterHub's config loader defines get_config
settings = json.loads(Path(os.environ["REGRESS_WIDGETS_TEST_HUB_SETTINGS"]).read_text())
folder = Path(settings["folder"])

c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = settings["port"]
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = settings["hub_port"]
c.JupyterHub.db_url = f"sqlite:///{folder / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(folder / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(folder / "jupyterhub.pid")
c.ConfigurableHTTPProxy.command = [settings["proxy"]]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings['proxy_api_port']}"
c.ConfigurableHTTPProxy.auth_token = settings["proxy_token"]
c.ConfigurableHTTPProxy.pid_file = str(folder / "proxy.pid")

c.JupyterHub.authenticator_class = "dummy"  # any name, any password: the test's students
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"  # SimpleLocalProcessSpawner: a process of this user per student

# The harness makes students and reads their servers through the REST API.
c.JupyterHub.services.append({"name": "tests", "api_token": settings["service_token"]})
c.JupyterHub.load_roles.append({"name": "tests", "scopes": ["admin:users", "admin:servers", "tokens"],
                                "services": ["tests"]})

for snippet in settings["snippets"]:  # the teacher's files, as TLJH loads its jupyterhub_config.d
    load_subconfig(snippet)  # noqa: F821

# Each student's home lies in the folder; their Jupyter, IPython and matplotlib folders in it (the layout of
# tests/browser_support.py's sandbox), so that nothing of this machine's user is read or written.
c.SimpleLocalProcessSpawner.home_dir_template = str(folder / "users" / "{username}")
c.Spawner.environment.update({  # added to what a snippet put there (the class service's address)
    var: (lambda spawner, sub=sub: str(folder / "users" / spawner.user.name / sub))
    for var, sub in settings["jupyter_dirs"].items()
} | {"PYDEVD_DISABLE_FILE_VALIDATION": "1"})
c.Spawner.env_keep = ["PATH", "LANG", "LC_ALL", "VIRTUAL_ENV", settings["mark"]]  # the mark: stray processes
c.Spawner.args = settings["single_user_args"]  # --allow-root where the tests run as root
c.Spawner.start_timeout = c.Spawner.http_timeout = 120  # two shared cores: a first start can be slow
