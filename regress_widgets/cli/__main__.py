"""``python -m regress_widgets.cli.commands``: the same as the ``regress-widgets`` command."""

import sys

from .commands import main

sys.exit(main())
