"""What each database can do, as documented flags its backend declares.

A backend difference is first expressed here; only differences in SQL text go to
``@compiles`` functions (:mod:`dbshift.backends.ddl`), and only different
sequences of statements to editor overrides.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Features:
    """Capabilities of one database, as the schema editor needs to know them."""

    #: DDL runs inside the migration's transaction and a failure rolls it back.
    #: Both SQLite (with the driver in autocommit and our own BEGIN, see
    #: ``vendors/sqlite.py``) and PostgreSQL can; a database whose DDL commits by
    #: itself (MySQL) cannot.
    can_rollback_ddl: bool = True
    #: Unique rules are ``UNIQUE`` constraints (PostgreSQL, which can make them
    #: deferrable) rather than unique indexes. SQLite gets unique indexes, which it
    #: can create and drop without rebuilding the table.
    unique_constraints: bool = True
    #: Foreign keys are written inside ``CREATE TABLE`` (SQLite cannot add them
    #: later) instead of ``ALTER TABLE ... ADD CONSTRAINT``.
    inline_foreign_keys: bool = False
    #: Primary and foreign key constraints carry names. SQLite can neither drop nor
    #: rename a constraint by name, and an unnamed key survives ``RENAME COLUMN``
    #: and ``RENAME TO`` exactly.
    named_keys: bool = True
    #: ``COMMENT ON TABLE/COLUMN`` exists; SQLite has no comments.
    supports_comments: bool = True
    #: Unique constraints can be ``DEFERRABLE`` (PostgreSQL).
    supports_deferrable_unique: bool = True
    #: Unique constraints and indexes accept ``NULLS [NOT] DISTINCT`` (PostgreSQL 15).
    supports_nulls_distinct: bool = True
    #: Indexes accept ``INCLUDE`` columns and operator classes (PostgreSQL).
    supports_covering_indexes: bool = True
    #: ``DROP TABLE`` takes ``CASCADE``, so circular foreign keys never block a drop.
    supports_drop_cascade: bool = True
    #: Indexes can be renamed in place; otherwise they are dropped and recreated.
    supports_index_rename: bool = True
    #: Indexes of a table the migration creates wait until the table is next
    #: changed, or the migration ends, so that rows a data migration loads
    #: meanwhile are indexed once. PostgreSQL creates them with the table: it
    #: refuses ``CREATE INDEX`` on a table with pending trigger events, which each
    #: row written under a deferred foreign key leaves until the commit.
    defer_new_indexes: bool = True
    #: Foreign keys act while a migration runs: their ``ON DELETE`` rules fire and
    #: their checks run. SQLite's are off on migration connections (tables are
    #: rebuilt; ``PRAGMA foreign_key_check`` runs before the commit instead), so
    #: data migrations apply the rules of the rows they delete themselves there.
    enforces_foreign_keys: bool = True
    #: Indexed text columns get a second index with a pattern operator class
    #: (``varchar_pattern_ops``), which ``LIKE 'abc%'`` needs outside the C locale
    #: (PostgreSQL; Django creates the same ``*_like`` indexes).
    pattern_ops_indexes: bool = False
    #: DDL takes table locks that queue the other sessions' reads and writes for as
    #: long as it runs (PostgreSQL), so ``dbshift lint`` reports the statements that
    #: hold them long. SQLite locks the whole file for any write: it has no lock rules.
    ddl_locks_tables: bool = True
    #: Indexes can be built and dropped without blocking writes (``CONCURRENTLY``,
    #: outside a transaction). Elsewhere the concurrent operations build them plainly.
    supports_concurrent_indexes: bool = True
    #: Constraints can be added ``NOT VALID`` and validated later, while writes go on.
    #: Elsewhere ``AddConstraintNotValid`` adds a checked constraint.
    supports_not_valid_constraints: bool = True
    #: The longest name of a table, column, index or constraint, which dbshift cuts
    #: the names it derives to (:mod:`dbshift.backends.names`): PostgreSQL keeps 63
    #: bytes, MySQL 64 characters.
    max_name_length: int = 63
    #: A foreign key column has exactly the type of the column it points at,
    #: unsigned positive integers included (MySQL refuses a key between an
    #: ``integer`` and an ``integer UNSIGNED``). Elsewhere a key to a positive
    #: integer is a plain integer, without the check.
    related_fields_match_type: bool = False
    #: A column's comment is part of its definition (MySQL's ``COMMENT '...'``):
    #: it is written with the column, and changed by redefining the column,
    #: rather than by a ``COMMENT ON COLUMN`` of its own.
    inline_column_comments: bool = False
    #: Names of foreign keys and checks are unique in the whole schema, not per table
    #: (InnoDB's foreign keys, MySQL's checks), so the names dbshift derives for them
    #: include the table's; renaming the table then renames (re-creates) them.
    constraint_names_per_schema: bool = False
