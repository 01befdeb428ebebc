"""``python -m scratchnn``: see ``scratchnn.cli``."""

import sys

from .cli import main

sys.exit(main())
