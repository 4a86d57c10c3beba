"""The SQL text of dbshift's statements on MySQL and MariaDB.

SQLAlchemy names the dialect ``mysql`` for ``mysql://`` URLs (whichever server
answers) and ``mariadb`` for ``mariadb://`` ones, and ``@compiles`` looks a
function up by that name alone: every function here is registered for both.

What differs from the generic text: a column is written whole, with its
``AUTO_INCREMENT`` and ``COMMENT``, and ``ALTER TABLE ... MODIFY COLUMN``
rewrites it whole (MySQL has no ``ALTER COLUMN ... TYPE`` or ``SET NOT NULL``);
checks are table constraints (MariaDB refuses a named check on a column);
foreign keys are never deferrable; indexes belong to their table (``DROP INDEX
name ON table``); a ``TEXT``, ``BLOB`` or ``JSON`` column takes its default as an
expression, in parentheses (MySQL refuses a literal there).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import DDLCompiler

from dbshift.backends import ddl
from dbshift.backends.functions import CurrentTime
from dbshift.backends.spec import (
    CheckSpec,
    ColumnSpec,
    ForeignKeySpec,
    IndexSpec,
    PrimaryKeySpec,
)

#: SQLAlchemy's dialect names for the two servers.
DIALECT_NAMES = ("mysql", "mariadb")

#: Column types that take no literal default on MySQL (before 8.0.13, none at all).
_EXPRESSION_DEFAULT_TYPES = (
    "tinytext",
    "text",
    "mediumtext",
    "longtext",
    "tinyblob",
    "blob",
    "mediumblob",
    "longblob",
    "json",
    "geometry",
)

Compiler = TypeVar("Compiler", bound=Callable[..., str])


def mysql_compiles(element: type[Any]) -> Callable[[Compiler], Compiler]:
    """Register a ``@compiles`` function for both of SQLAlchemy's MySQL dialect names."""

    def register(function: Compiler) -> Compiler:
        for name in DIALECT_NAMES:
            compiles(element, name)(function)
        return function

    return register


def _q(compiler: DDLCompiler, name: str) -> str:
    return compiler.preparer.quote(name)


def _columns(compiler: DDLCompiler, names: tuple[str, ...]) -> str:
    return ", ".join(_q(compiler, name) for name in names)


def _string(compiler: DDLCompiler, text: str) -> str:
    return str(compiler.sql_compiler.render_literal_value(text, sa.String()))


def takes_expression_default(column: ColumnSpec) -> bool:
    """Return whether ``column`` (TEXT, BLOB, JSON) takes its default only as an expression."""
    return column.type_sql.lower().startswith(_EXPRESSION_DEFAULT_TYPES)


def default_clause(column: ColumnSpec, default_sql: str) -> str:
    """Return ``default_sql`` as this column accepts it: an expression for TEXT/BLOB/JSON."""
    if takes_expression_default(column) and not (
        default_sql.startswith("(") and default_sql.endswith(")")
    ):
        return f"({default_sql})"
    return default_sql


# -- Columns --------------------------------------------------------------------------


@mysql_compiles(ddl.ColumnDefinition)
def _column_definition(element: ddl.ColumnDefinition, compiler: DDLCompiler, **kw: Any) -> str:
    column = element.column
    text = f"{_q(compiler, column.name)} {column.type_sql}"
    text += " NULL" if column.nullable else " NOT NULL"
    if element.default_sql is not None:
        text += f" DEFAULT {default_clause(column, element.default_sql)}"
    if column.identity:
        text += " AUTO_INCREMENT"
    if column.comment:
        text += f" COMMENT {_string(compiler, column.comment)}"
    # Checks kept in the column's definition (MariaDB), which a redefinition must repeat.
    text += "".join(f" CHECK ({check.sql})" for check in element.checks)
    if element.references is not None:
        text += " " + _references(compiler, element.references)
    return text


class ModifyColumn(ddl.Statement):
    """Redefine a column whole: type, NULL, default, AUTO_INCREMENT and comment."""

    def __init__(self, table: str, definition: ddl.ColumnDefinition) -> None:
        self.table = table
        self.definition = definition


@mysql_compiles(ModifyColumn)
def _modify_column(element: ModifyColumn, compiler: DDLCompiler, **kw: Any) -> str:
    definition = compiler.process(element.definition)
    return f"ALTER TABLE {_q(compiler, element.table)} MODIFY COLUMN {definition}"


@mysql_compiles(ddl.AlterColumnDefault)
def _alter_default(element: ddl.AlterColumnDefault, compiler: DDLCompiler, **kw: Any) -> str:
    default = element.value
    action = "DROP DEFAULT" if default is None else f"SET DEFAULT {default}"
    return f"{element.head(compiler)} ALTER COLUMN {_q(compiler, element.name)} {action}"


# -- Tables and constraints -------------------------------------------------------------


@mysql_compiles(ddl.CreateTable)
def _create_table(element: ddl.CreateTable, compiler: DDLCompiler, **kw: Any) -> str:
    spec = element.spec
    lines = [
        compiler.process(ddl.ColumnDefinition(column, default_sql=column.default_sql))
        for column in spec.columns
    ]
    objects: list[Any] = [spec.primary_key] if spec.primary_key else []
    objects += list(spec.checks)
    objects += [index for index in spec.indexes if index.constraint]
    if element.inline_foreign_keys:
        objects += list(spec.foreign_keys)
    lines += [compiler.process(ddl.AddedObject(obj)) for obj in objects]
    body = ",\n    ".join(lines)
    # The table's comment follows, as on PostgreSQL (TableChanges.create_comments).
    return f"CREATE TABLE {_q(compiler, element.name)} (\n    {body}\n)"


def _references(compiler: DDLCompiler, fk: ForeignKeySpec) -> str:
    text = f"REFERENCES {_q(compiler, fk.to_table)} ({_q(compiler, fk.to_column)})"
    return text + (f" ON DELETE {fk.on_delete}" if fk.on_delete else "")


@mysql_compiles(ddl.AddedObject)
def _constraint_clause(element: ddl.AddedObject, compiler: DDLCompiler, **kw: Any) -> str:
    obj = element.obj
    if isinstance(obj, PrimaryKeySpec):
        # MySQL names every primary key PRIMARY, whatever the statement says.
        return f"PRIMARY KEY ({_columns(compiler, obj.columns)})"
    named = f"CONSTRAINT {_q(compiler, obj.name)} " if obj.name else ""
    if isinstance(obj, CheckSpec):
        return f"{named}CHECK ({obj.sql})"
    if isinstance(obj, ForeignKeySpec):
        return f"{named}FOREIGN KEY ({_q(compiler, obj.column)}) {_references(compiler, obj)}"
    assert isinstance(obj, IndexSpec) and obj.constraint
    return f"{named}UNIQUE ({_columns(compiler, obj.columns)})"


class DropForeignKey(ddl.TableStatement):
    """Drop foreign key ``name`` (``DROP CONSTRAINT`` only works for keys since MySQL 8.0.19)."""


@mysql_compiles(DropForeignKey)
def _drop_foreign_key(element: DropForeignKey, compiler: DDLCompiler, **kw: Any) -> str:
    return f"{element.head(compiler)} DROP FOREIGN KEY {_q(compiler, element.name)}"


class DropPrimaryKey(ddl.TableStatement):
    """Drop the primary key of ``table``, which MySQL always names PRIMARY."""


@mysql_compiles(DropPrimaryKey)
def _drop_primary_key(element: DropPrimaryKey, compiler: DDLCompiler, **kw: Any) -> str:
    return f"{element.head(compiler)} DROP PRIMARY KEY"


@mysql_compiles(ddl.Comment)
def _comment(element: ddl.Comment, compiler: DDLCompiler, **kw: Any) -> str:
    # Column comments are written with their column (Features.inline_column_comments).
    assert element.column is None, "MySQL comments a column in its definition"
    comment = _string(compiler, element.comment or "")
    return f"ALTER TABLE {_q(compiler, element.table)} COMMENT = {comment}"


# -- Indexes --------------------------------------------------------------------------


@mysql_compiles(ddl.DropIndex)
def _drop_index(element: ddl.DropIndex, compiler: DDLCompiler, **kw: Any) -> str:
    assert element.table is not None, "MySQL drops an index of a table"
    return f"DROP INDEX {_q(compiler, element.name)} ON {_q(compiler, element.table)}"


@mysql_compiles(ddl.RenameIndex)
def _rename_index(element: ddl.RenameIndex, compiler: DDLCompiler, **kw: Any) -> str:
    assert element.table is not None, "MySQL renames an index of a table"
    old, new = _q(compiler, element.old), _q(compiler, element.new)
    return f"ALTER TABLE {_q(compiler, element.table)} RENAME INDEX {old} TO {new}"


# -- Queries --------------------------------------------------------------------------


@mysql_compiles(ddl.TextLength)
def _text_length(element: ddl.TextLength, compiler: Any, **kw: Any) -> str:
    # LENGTH counts bytes on MySQL; a column's max_length counts characters.
    (argument,) = element.clauses
    return f"CHAR_LENGTH({compiler.process(argument, **kw)})"


@mysql_compiles(CurrentTime)
def _current_time(element: CurrentTime, compiler: Any, **kw: Any) -> str:
    # Microseconds, as datetime(6) columns keep them (Django's Now() on MySQL).
    return "CURRENT_TIMESTAMP(6)"
