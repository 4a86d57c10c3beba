"""MySQL 8 and MariaDB 10.11, whose DDL commits by itself, statement by statement."""

from __future__ import annotations

from typing import ClassVar

from dbshift.backends.backend import Backend
from dbshift.backends.features import Features


class MySQLBackend(Backend):
    """MySQL and MariaDB (``mysql://`` and ``mariadb://`` URLs)."""

    names: ClassVar[tuple[str, ...]] = ("mysql", "mariadb")
    #: Django says "mysql" for MariaDB too.
    vendor: ClassVar[str] = "mysql"
    editor: ClassVar[str] = "dbshift.backends.mysql:MySQLSchemaEditor"
    features: ClassVar[Features] = Features(
        can_rollback_ddl=False,
        unique_constraints=False,
        supports_deferrable_unique=False,
        supports_nulls_distinct=False,
        supports_covering_indexes=False,
        supports_drop_cascade=False,
        defer_new_indexes=False,
        supports_concurrent_indexes=False,
        supports_not_valid_constraints=False,
        # InnoDB changes most tables online (ALGORITHM=INPLACE, LOCK=NONE): the lint
        # rules about PostgreSQL's table locks, and their remedies, do not apply.
        ddl_locks_tables=False,
        max_name_length=64,
        related_fields_match_type=True,
        inline_column_comments=True,
        constraint_names_per_schema=True,
    )
    driver_extra: ClassVar[str] = "mysql"
