"""``python -m dbshift``."""

import sys

from dbshift.cli import main

sys.exit(main())
