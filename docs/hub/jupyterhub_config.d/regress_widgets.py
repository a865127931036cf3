"""regress_widgets on a JupyterHub: every student opens the side-by-side notebook in JupyterLab, on their own copies.

The Littlest JupyterHub: copy this file to /opt/tljh/config/jupyterhub_config.d/ and run `sudo tljh-config reload`.
Zero to JupyterHub: docs/hub/values.yaml says the same in its singleuser section (cmd, defaultUrl); no file needed.
tests/test_browser_hub.py loads this very file into the hub it starts. docs/classroom-hub.md explains each line.
"""

c = get_config()  # noqa: F821 - JupyterHub's config loader defines get_config

# A student's server starts with `regress-widgets singleuser` (the package, installed in the user environment): it
# copies the bundled notebooks to ~/regress_widgets_notebooks (a copy the student changed is kept), then becomes
# JupyterHub's single-user server on that folder, with Voilà's math typeset offline (no MathJax from a CDN).
c.Spawner.cmd = ["regress-widgets", "singleuser"]

# The page a student lands on after logging in: notebook 00 in JupyterLab. The same notebook as an app, without code:
# /user/<name>/voila/render/00_side_by_side.ipynb (a link can set it up: ?recipe=pytorch&lr=0.3&hide=noise).
c.Spawner.default_url = "/lab/tree/00_side_by_side.ipynb"
