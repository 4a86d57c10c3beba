"""``python -m dbshift``."""

import sys

from dbshift.cli import console

sys.exit(console())
