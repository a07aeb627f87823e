"""``python -m gdwidgets``: the same as the ``gdwidgets`` command."""

import sys

from .cli import main

sys.exit(main())
