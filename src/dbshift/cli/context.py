"""What a command handler gets: output streams, the working directory, the project."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from dbshift.project import Project


def quote_commands(text: str, prog: str) -> str:
    """Return ``text`` with each quoted 'dbshift <command>' written as '<prog> <command>'."""
    return text if prog == "dbshift" else text.replace("'dbshift ", f"'{prog} ")


@dataclass
class Context:
    """Streams and settings of one command run; loads the project on first use."""

    stdout: IO[str]
    stderr: IO[str]
    stdin: IO[str]
    cwd: Path
    settings_path: Path | None = None
    verbosity: int = 1
    #: How the user runs dbshift ("python manage.py"), for the commands hints quote.
    prog: str = "dbshift"
    _project: Project | None = field(default=None, repr=False)

    def project(self) -> Project:
        if self._project is None:
            self._project = Project.load(self.settings_path, start=self.cwd)
        return self._project

    def write(self, text: str = "", level: int = 1) -> None:
        """Print ``text`` when the verbosity is at least ``level``."""
        if self.verbosity >= level:
            self.stdout.write(self.as_run(text) + "\n")

    def error(self, text: str) -> None:
        self.stderr.write(self.as_run(text) + "\n")

    def as_run(self, text: str) -> str:
        """Return ``text`` with the commands it quotes spelled as the user runs dbshift."""
        return quote_commands(text, self.prog)

    def relative(self, path: Path) -> str:
        """Return ``path`` relative to the working directory when it lies below it."""
        try:
            return os.path.relpath(path, self.cwd) if path.is_relative_to(self.cwd) else str(path)
        except ValueError:
            return str(path)
