"""The command line, ``regress-widgets``: run, replay, record, envs, map, lab and app. The top floor: may import
every other floor (lazily where a floor is heavy: matplotlib, JupyterLab), and nothing imports it.

    commands.py         the parser and run, replay, lab, app; main()
    map.py, frameworks.py   the map command; envs and record
    options.py          one --option per setting, from the settings table
    launch.py, notebook_copies.py   JupyterLab and Voilà on copies of the notebooks
    jsonout.py          JSON output
"""

from .commands import main

__all__ = ["main"]
