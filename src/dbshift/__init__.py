"""Django-style schema migrations for any Python project.

The commands are functions here (``dbshift.migrate()``, ``dbshift.makemigrations()``...)
returning result objects; see docs/api.md. Names not in ``__all__`` are private.
They are imported on first use, so that ``import dbshift`` (and the command line's
start-up) stays light.
"""

import sys

# Importing typing would cost more than the rest of this module; type checkers
# read this name as typing's.
TYPE_CHECKING = False

__version__ = "0.1.0"

#: Where each public name lives.
_LOCATIONS = {
    "makemigrations": "dbshift.api",
    "migrate": "dbshift.api",
    "showmigrations": "dbshift.api",
    "sqlmigrate": "dbshift.api",
    "check": "dbshift.api",
    "squashmigrations": "dbshift.api",
    "load_project": "dbshift.api",
    "WrittenMigration": "dbshift.api",
    "SquashedMigration": "dbshift.api",
    "MigrateResult": "dbshift.api",
    "MigrateListener": "dbshift.api",
    "MigrationStep": "dbshift.api",
    "MigrationStatus": "dbshift.api",
    "MigrationSQL": "dbshift.api",
    "OperationStatements": "dbshift.api",
    "Project": "dbshift.project",
    "CheckMessage": "dbshift.actions.check",
    "Level": "dbshift.actions.check",
    "Progress": "dbshift.migrations.planner",
    "exceptions": "dbshift",
    "models": "dbshift",
}

#: Names whose object has another name where it lives.
_ALIASES = {"CheckMessage": "Finding"}

__all__ = [
    "CheckMessage",
    "Level",
    "MigrateListener",
    "MigrateResult",
    "MigrationSQL",
    "MigrationStatus",
    "MigrationStep",
    "OperationStatements",
    "Progress",
    "Project",
    "SquashedMigration",
    "WrittenMigration",
    "__version__",
    "check",
    "exceptions",
    "load_project",
    "makemigrations",
    "migrate",
    "models",
    "showmigrations",
    "sqlmigrate",
    "squashmigrations",
]

if TYPE_CHECKING:
    from dbshift import exceptions, models
    from dbshift.actions.check import Finding as CheckMessage
    from dbshift.actions.check import Level
    from dbshift.api import (
        MigrateListener,
        MigrateResult,
        MigrationSQL,
        MigrationStatus,
        MigrationStep,
        OperationStatements,
        SquashedMigration,
        WrittenMigration,
        check,
        load_project,
        makemigrations,
        migrate,
        showmigrations,
        sqlmigrate,
        squashmigrations,
    )
    from dbshift.migrations.planner import Progress
    from dbshift.project import Project


def __getattr__(name: str) -> object:
    """Import a public name on first use."""
    try:
        location = _LOCATIONS[name]
    except KeyError:
        raise AttributeError(f"module 'dbshift' has no attribute {name!r}") from None
    if location == __name__:
        location = f"{__name__}.{name}"
        __import__(location)
        return sys.modules[location]
    __import__(location)
    value = getattr(sys.modules[location], _ALIASES.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
