"""Write a history as one linear Alembic revision chain, as an Alembic user would have it.

Revisions follow the history's global order, one per Django migration, and look like
what ``alembic revision --autogenerate`` writes with ``render_as_batch=True``: tables are
created with ``op.create_table`` and every other change of a table sits in one
``op.batch_alter_table`` block (on SQLite a block that does more than add columns or
indexes copies the table once; on PostgreSQL it emits plain ALTERs). Each revision has
its downgrade, so ``downgrade base`` works. ``schema.py`` holds the final schema as
SQLAlchemy metadata for ``alembic check``; ``env.py`` reads the database URL from
``BENCH_DATABASE_URL`` and runs each revision in its own transaction.
"""

from __future__ import annotations

from pathlib import Path

from bench.history import (
    AddField,
    AddIndex,
    AlterField,
    CreateModel,
    FieldSpec,
    History,
    Migration,
    Operation,
    RemoveField,
    RenameField,
    table_name,
)

_TYPES = {
    "text": "sa.Text()",
    "int": "sa.Integer()",
    "bool": "sa.Boolean()",
    "datetime": "sa.DateTime(timezone=True)",
    "fk": "sa.BigInteger()",
}
_SERVER_DEFAULTS = {"char": "", "text": "", "int": "0", "bool": "0", "decimal": "0"}
_ID_TYPE = "sa.BigInteger().with_variant(sa.Integer(), 'sqlite')"


def revision_id(position: int) -> str:
    """Return the revision id of the migration at 1-based ``position`` in the chain."""
    return f"r{position:06d}"


def sa_type(spec: FieldSpec) -> str:
    if spec.kind == "char":
        return f"sa.String(length={spec.max_length})"
    if spec.kind == "decimal":
        return f"sa.Numeric(precision={spec.max_digits}, scale=2)"
    return _TYPES[spec.kind]


def column_name(name: str, spec: FieldSpec) -> str:
    return f"{name}_id" if spec.kind == "fk" else name


def column(name: str, spec: FieldSpec, *, adding: bool = False) -> str:
    """Return ``sa.Column(...)``; a NOT NULL column added to a table gets a server default."""
    arguments = [repr(column_name(name, spec)), sa_type(spec), f"nullable={spec.null}"]
    if adding and spec.has_default:
        arguments.append(f"server_default={_SERVER_DEFAULTS[spec.kind]!r}")
    return f"sa.Column({', '.join(arguments)})"


def fk_index(table: str, name: str) -> str:
    return f"ix_{table}_{name}_id"


def _create_table(operation: CreateModel) -> list[str]:
    table = table_name(operation.app, operation.model)
    lines = [f"op.create_table({table!r},"]
    lines.append(f"    sa.Column('id', {_ID_TYPE}, autoincrement=True, nullable=False),")
    lines += [f"    {column(name, spec)}," for name, spec in operation.fields]
    for name, spec in operation.fields:
        if spec.to is not None:
            target = table_name(*spec.to)
            lines.append(f"    sa.ForeignKeyConstraint(['{name}_id'], ['{target}.id']),")
    lines += ["    sa.PrimaryKeyConstraint('id'),", ")"]
    return lines


def _alter(name: str, before: FieldSpec, after: FieldSpec) -> str:
    return (
        f"batch_op.alter_column({name!r}, existing_type={sa_type(before)}, "
        f"type_={sa_type(after)}, existing_nullable={before.null}, nullable={after.null})"
    )


def _rename(old: str, new: str, spec: FieldSpec) -> str:
    return (
        f"batch_op.alter_column({old!r}, new_column_name={new!r}, "
        f"existing_type={sa_type(spec)}, existing_nullable={spec.null})"
    )


def _batch_upgrade(operation: Operation) -> list[str]:
    """Return the ``batch_op`` calls of one operation's upgrade."""
    match operation:
        case CreateModel(fields=fields):
            table = table_name(operation.app, operation.model)
            return [
                f"batch_op.create_index({fk_index(table, name)!r}, ['{name}_id'], unique=False)"
                for name, spec in fields
                if spec.kind == "fk"
            ]
        case AddField(name=name, field=spec):
            return [f"batch_op.add_column({column(name, spec, adding=True)})"]
        case AlterField(name=name, old=old, new=new):
            return [_alter(name, old, new)]
        case RenameField(old_name=old, new_name=new, field=spec):
            return [_rename(old, new, spec)]
        case RemoveField(name=name):
            return [f"batch_op.drop_column({name!r})"]
        case AddIndex(index=index, field_name=field_name):
            return [f"batch_op.create_index({index!r}, [{field_name!r}], unique=False)"]
    raise TypeError(f"unknown operation {operation!r}")


def _batch_downgrade(operation: Operation) -> list[str]:
    """Return the ``batch_op`` calls that undo one operation (not CreateModel)."""
    match operation:
        case AddField(name=name):
            return [f"batch_op.drop_column({name!r})"]
        case AlterField(name=name, old=old, new=new):
            return [_alter(name, new, old)]
        case RenameField(old_name=old, new_name=new, field=spec):
            return [_rename(new, old, spec)]
        case RemoveField(name=name, field=spec):
            return [f"batch_op.add_column({column(name, spec, adding=True)})"]
        case AddIndex(index=index):
            return [f"batch_op.drop_index({index!r})"]
    raise TypeError(f"unknown operation {operation!r}")


def _names(operation: Operation, forward: bool) -> tuple[set[str], set[str]]:
    """Return the columns ``operation`` refers to and the ones it brings into being."""
    match operation:
        case AddField(name=name):
            return ({name}, {name}) if forward else ({name}, set())
        case RemoveField(name=name):
            return ({name}, set()) if forward else ({name}, {name})
        case RenameField(old_name=old, new_name=new):
            return ({old}, {new}) if forward else ({new}, {old})
        case AlterField(name=name):
            return {name}, set()
        case AddIndex(field_name=field_name):
            return {field_name}, set()
    return set(), set()


def _blocks(operations: list[Operation], forward: bool) -> list[tuple[str, list[Operation]]]:
    """Group operations into one batch block per table, as autogenerate does.

    A batch block resolves column names against the table as it was when the block
    began, so an operation on a column the same block added or renamed starts a new one.
    """
    blocks: list[tuple[str, list[Operation]]] = []
    current: dict[str, tuple[list[Operation], set[str]]] = {}
    for operation in operations:
        table = table_name(operation.app, operation.model)
        refers, creates = _names(operation, forward)
        if table not in current or refers & current[table][1]:
            current[table] = ([], set())
            blocks.append((table, current[table][0]))
        current[table][0].append(operation)
        current[table][1].update(creates)
    return blocks


def _batch_block(table: str, calls: list[str]) -> list[str]:
    if not calls:
        return []
    block = [f"with op.batch_alter_table({table!r}, schema=None) as batch_op:"]
    return block + [f"    {call}" for call in calls]


def upgrade_lines(migration: Migration) -> list[str]:
    creates = [op for op in migration.operations if isinstance(op, CreateModel)]
    lines = [line for operation in creates for line in _create_table(operation)]
    for table, operations in _blocks(list(migration.operations), forward=True):
        calls = [call for operation in operations for call in _batch_upgrade(operation)]
        lines += _batch_block(table, calls)
    return lines


def downgrade_lines(migration: Migration) -> list[str]:
    created = {
        table_name(op.app, op.model) for op in migration.operations if isinstance(op, CreateModel)
    }
    # Tables this migration created are dropped at the end, with everything done to them.
    undone = [
        op for op in reversed(migration.operations) if table_name(op.app, op.model) not in created
    ]
    lines: list[str] = []
    for table, operations in _blocks(undone, forward=False):
        lines += _batch_block(table, [call for op in operations for call in _batch_downgrade(op)])
    for operation in reversed(migration.operations):
        if isinstance(operation, CreateModel):
            lines.append(f"op.drop_table({table_name(operation.app, operation.model)!r})")
    return lines


def revision_source(migration: Migration, position: int) -> str:
    down = revision_id(position - 1) if position > 1 else None
    lines = [
        f'"""{migration.app} {migration.name}',
        "",
        f"Revision ID: {revision_id(position)}",
        f"Revises: {down or ''}",
        '"""',
        "",
        "import sqlalchemy as sa",
        "from alembic import op",
        "",
        f"revision = {revision_id(position)!r}",
        f"down_revision = {down!r}",
        "branch_labels = None",
        "depends_on = None",
        "",
        "",
        "def upgrade():",
    ]
    lines += [f"    {line}" for line in upgrade_lines(migration)]
    lines += ["", "", "def downgrade():"]
    lines += [f"    {line}" for line in downgrade_lines(migration)] or ["    pass"]
    return "\n".join([*lines, ""])


def schema_source(history: History) -> str:
    """Return ``schema.py``: the final schema as SQLAlchemy metadata, for ``alembic check``."""
    lines = ["import sqlalchemy as sa", "", "metadata = sa.MetaData()", ""]
    for app in history.apps:
        for model, schema in history.schema[app].items():
            table = table_name(app, model)
            lines += [
                "sa.Table(",
                f"    {table!r},",
                "    metadata,",
                f"    sa.Column('id', {_ID_TYPE}, primary_key=True),",
            ]
            for name, spec in schema.fields.items():
                if spec.to is None:
                    lines.append(f"    {column(name, spec)},")
                    continue
                target = table_name(*spec.to)
                lines.append(
                    f"    sa.Column('{name}_id', sa.BigInteger(), sa.ForeignKey('{target}.id'), "
                    "nullable=True),"
                )
                lines.append(f"    sa.Index({fk_index(table, name)!r}, '{name}_id'),")
            lines += [f"    sa.Index({index!r}, {field!r})," for index, field in schema.indexes]
            lines.append(")")
    return "\n".join([*lines, ""])


_ENV = '''\
"""Alembic environment of a generated benchmark project."""

import os

from alembic import context
from sqlalchemy import create_engine, pool

from schema import metadata

url = os.environ.get("BENCH_DATABASE_URL", "sqlite:///alembic.sqlite3")
options = {
    "target_metadata": metadata,
    "render_as_batch": url.startswith("sqlite"),
    "transaction_per_migration": True,
}

if context.is_offline_mode():
    context.configure(url=url, literal_binds=True, **options)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()
'''

_INI = """\
[alembic]
script_location = alembic
prepend_sys_path = .
"""


def write(history: History, root: Path) -> None:
    """Write ``alembic.ini``, ``schema.py`` and ``alembic/`` (env and versions) under ``root``."""
    versions = root / "alembic" / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    (root / "alembic.ini").write_text(_INI)
    (root / "alembic" / "env.py").write_text(_ENV)
    (root / "alembic" / "script.py.mako").write_text("")
    (root / "schema.py").write_text(schema_source(history))
    for position, migration in enumerate(history.migrations, 1):
        path = versions / f"{revision_id(position)}_{migration.app}_{migration.name}.py"
        path.write_text(revision_source(migration, position))
