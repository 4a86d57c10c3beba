"""Importing user code (apps, models, migrations) with errors that point at the file."""

from __future__ import annotations

import functools
import importlib
import importlib.util
import sys
import sysconfig
import traceback
from pathlib import Path
from types import ModuleType


def import_user_module(name: str) -> ModuleType:
    """Import module ``name``, turning any failure into :class:`UserCodeError`."""
    try:
        return importlib.import_module(name)
    except UserCodeError:
        raise
    except Exception as err:
        raise UserCodeError(name, err) from err


def forget_modules(package: str) -> None:
    """Drop ``package`` and its submodules from ``sys.modules`` so they import afresh."""
    prefix = package + "."
    for name in [name for name in sys.modules if name == package or name.startswith(prefix)]:
        del sys.modules[name]


def module_exists(name: str) -> bool:
    """Return whether ``name`` can be imported, without importing it."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def is_project_module(name: str) -> bool:
    """Return whether module ``name`` is the project's own code, not Python's or a package's.

    dbshift, the standard library and installed packages change with an upgrade,
    not with an edit of the project.
    """
    module = sys.modules.get(name)
    file = getattr(module, "__file__", None)
    if not file:
        return False
    path = Path(file).resolve()
    return not any(path.is_relative_to(directory) for directory in _installed_code())


@functools.cache
def _installed_code() -> tuple[Path, ...]:
    paths = sysconfig.get_paths()
    directories = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    directories.add(str(Path(__file__).resolve().parents[1]))
    return tuple(Path(directory).resolve() for directory in directories)


class UserCodeError(Exception):
    """An exception raised while importing a user's module, with where it happened."""

    def __init__(self, module: str, error: BaseException) -> None:
        self.module = module
        self.error = error
        self.location = error_location(error)
        super().__init__(f"{self.location}: {describe_exception(error)}")


def error_location(error: BaseException) -> str:
    """Return ``file:line`` of the innermost frame of user code that raised ``error``."""
    if isinstance(error, SyntaxError) and error.filename:
        return f"{error.filename}:{error.lineno}"
    frames = traceback.extract_tb(error.__traceback__)
    dbshift_dir = str(Path(__file__).resolve().parents[1])
    user_frames = [
        frame
        for frame in frames
        if not frame.filename.startswith(dbshift_dir) and not frame.filename.startswith("<frozen")
    ]
    candidates = user_frames or frames
    if not candidates:
        return "<unknown>"
    frame = candidates[-1]
    return f"{frame.filename}:{frame.lineno}"


def describe_exception(error: BaseException) -> str:
    """Return ``Type: message`` for an exception, as Python prints its last line."""
    if isinstance(error, SyntaxError):
        return f"SyntaxError: {error.msg}"
    message = str(error)
    return f"{type(error).__name__}: {message}" if message else type(error).__name__
