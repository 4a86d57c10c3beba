#!/usr/bin/env python
"""Run dbshift commands for this project: python manage.py <command>."""

import sys
from pathlib import Path

from dbshift.cli import main

if __name__ == "__main__":
    sys.exit(main(settings=Path(__file__).resolve().parent / "pyproject.toml"))
