"""The MySQL 8 and MariaDB 10.11 schema editor: every change in place, committed at once.

MySQL commits each DDL statement by itself, so nothing a migration changes can
be rolled back (``Features.can_rollback_ddl`` is false). Column types follow
Django's MySQL backend, so that a database either tool built holds the same
columns: ``datetime(6)``, ``longtext``, ``json``, unsigned positive integers
(with their ``>= 0`` check), ``char(32)`` UUIDs, and MariaDB's native ``uuid``
from 10.7 on. ``ALTER TABLE ... MODIFY COLUMN`` redefines a column whole, so the
editor always writes the full definition, default and comment included.

InnoDB needs an index that leads with the column of every foreign key. It makes
one, named after the key, when none exists, drops it by itself once another
index can serve the key, and keeps it after the key is dropped. Django leaves
that index to InnoDB; dbshift creates it, under Django's name for a field's
index, exactly where InnoDB would make one: for a constrained key whose column
no other index or unique rule leads with (a join table's first key has none, as
the unique pair serves it). ``db_index`` has no say, as MySQL needs the index.
The database then holds the indexes a Django-built one holds, and exactly those
the models imply: when a change adds or drops the index a key relied on, the
key's own index is dropped after it or created before it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import uuid
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, cast

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from dbshift.backends import ddl, names
from dbshift.backends.base import SchemaEditor
from dbshift.backends.build import SpecBuilder
from dbshift.backends.datatypes import POSITIVE_CHECKS, SQLType, TypeFactory, fixed
from dbshift.backends.diff import ColumnChange, TableDiff
from dbshift.backends.features import Features
from dbshift.backends.mysql_ddl import (
    DropForeignKey,
    DropPrimaryKey,
    ModifyColumn,
    takes_expression_default,
)
from dbshift.backends.mysql_script import split_statements
from dbshift.backends.spec import (
    CheckSpec,
    ColumnSpec,
    ForeignKeySpec,
    IndexSpec,
    PrimaryKeySpec,
    SchemaObject,
    TableSpec,
)
from dbshift.backends.values import SQLiteValueAdapter
from dbshift.backends.vendors.mysql import MySQLBackend
from dbshift.exceptions import NotSupportedError
from dbshift.migrations.state import ModelState, ProjectState
from dbshift.models.fields import Field
from dbshift.models.indexes import Index

#: InnoDB's longest index key, in bytes (the DYNAMIC and COMPRESSED row formats).
MAX_KEY_BYTES = 3072
#: Bytes per character of a character set, by the prefix of its collation names.
_CHARSET_BYTES = {"utf8mb4": 4, "utf8mb3": 3, "utf8": 3, "latin1": 1, "ascii": 1, "binary": 1}
#: Bytes per character when a column has no collation of its own: utf8mb4, the
#: default character set of MySQL 8 (and of Debian's MariaDB).
DEFAULT_CHAR_BYTES = 4
#: The first MariaDB with a native ``uuid`` type.
MARIADB_NATIVE_UUID = (10, 7)

_TEXT_FAMILIES = ("CharField", "SlugField", "EmailField", "URLField")


def _varchar(field: Field) -> sa.types.TypeEngine[Any]:
    return sa.VARCHAR(field.max_length, collation=getattr(field, "db_collation", None))


def _longtext(field: Field) -> sa.types.TypeEngine[Any]:
    return mysql.LONGTEXT(collation=getattr(field, "db_collation", None))


def _numeric(field: Any) -> sa.types.TypeEngine[Any]:
    return sa.NUMERIC(field.max_digits, field.decimal_places)


DATA_TYPES: dict[str, TypeFactory] = {
    "CharField": _varchar,
    "SlugField": _varchar,
    "EmailField": _varchar,
    "URLField": _varchar,
    "TextField": _longtext,
    "AutoField": fixed(sa.INTEGER()),
    "BigAutoField": fixed(sa.BIGINT()),
    "SmallAutoField": fixed(sa.SMALLINT()),
    "BinaryField": fixed(mysql.LONGBLOB()),
    "BooleanField": fixed(sa.BOOLEAN()),
    "DateField": fixed(sa.DATE()),
    "DateTimeField": fixed(mysql.DATETIME(fsp=6)),
    "DecimalField": _numeric,
    "DurationField": fixed(sa.BIGINT()),
    "FloatField": fixed(sa.DOUBLE_PRECISION()),
    "IntegerField": fixed(sa.INTEGER()),
    "BigIntegerField": fixed(sa.BIGINT()),
    "SmallIntegerField": fixed(sa.SMALLINT()),
    "PositiveIntegerField": fixed(mysql.INTEGER(unsigned=True)),
    "PositiveBigIntegerField": fixed(mysql.BIGINT(unsigned=True)),
    "PositiveSmallIntegerField": fixed(mysql.SMALLINT(unsigned=True)),
    "GenericIPAddressField": fixed(sa.CHAR(39)),
    "JSONField": fixed(mysql.JSON()),
    "TimeField": fixed(mysql.TIME(fsp=6)),
    "UUIDField": fixed(sa.CHAR(32)),
}

#: MariaDB 10.7 and later: UUIDs in their native type, as Django 5 creates them there.
MARIADB_DATA_TYPES: dict[str, TypeFactory] = {**DATA_TYPES, "UUIDField": fixed(SQLType("uuid"))}


def is_mariadb(dialect: sa.Dialect) -> bool:
    """Return whether ``dialect`` talks to MariaDB (a ``mariadb://`` URL, or a server seen)."""
    return dialect.name == "mariadb" or bool(getattr(dialect, "is_mariadb", False))


def has_native_uuid(dialect: sa.Dialect) -> bool:
    """Return whether UUIDs get MariaDB's ``uuid`` type; an unknown version counts as new."""
    version = dialect.server_version_info
    return is_mariadb(dialect) and (version is None or tuple(version) >= MARIADB_NATIVE_UUID)


class MySQLValueAdapter(SQLiteValueAdapter):
    """Convert values to Django's MySQL storage formats.

    Like SQLite's: naive UTC datetimes, durations in microseconds, UUIDs as 32 hex
    digits (or the text form MariaDB's ``uuid`` type reads); times come back from
    the driver as durations since midnight.
    """

    def __init__(self, dialect: sa.Dialect) -> None:
        super().__init__(dialect)
        self.native_uuid = has_native_uuid(dialect)
        # The copy made for literals must escape backslashes as the server expects.
        escapes = getattr(dialect, "_backslash_escapes", True)
        self.dialect._backslash_escapes = escapes  # type: ignore[attr-defined]

    def adapt_UUIDField(self, field: Field, value: Any) -> Any:
        parsed = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
        return str(parsed) if self.native_uuid else parsed.hex

    def bytes_literal(self, value: bytes) -> str:
        return f"X'{value.hex()}'"

    def to_param(self, field: Field | None, value: Any) -> Any:
        return self.to_db(field, value)

    def load_TimeField(self, field: Field, value: Any) -> Any:
        if isinstance(value, datetime.timedelta):
            return (datetime.datetime.min + value).time()
        return super().load_TimeField(field, value)


class MySQLSpecBuilder(SpecBuilder):
    """Build table specs within MySQL's limits, refusing what InnoDB cannot hold.

    Every constrained foreign key gets an index (see the module's docstring);
    index keys must fit InnoDB's 3072 bytes, counted as MySQL counts them (four
    bytes per utf8mb4 character). MariaDB checks unique keys of any length through
    a hidden hash and indexes the first 3072 bytes of a longer column, so only
    MySQL is held to the limit, as Django lets each server decide.

    As Django does, so that one history migrates every database: a partial index
    is built without its condition (the server has none), and what the server has
    no form for is left out of the table (partial unique rules, and indexes and
    unique rules over expressions on MariaDB).
    """

    def table(self, state: ProjectState, model: ModelState) -> TableSpec:
        spec = super().table(state, model)
        indexes = [index for index in spec.indexes if self.can_build(index)]
        indexes.extend(self._key_indexes(model, indexes))
        for index in indexes:
            self.check_index(model, index)
        for key in spec.foreign_keys:
            if key.on_delete == "SET DEFAULT":
                raise NotSupportedError(
                    f"Cannot create the foreign key {_label(model, key.key)} with "
                    "on_delete=SET_DEFAULT on MySQL: InnoDB has no ON DELETE SET DEFAULT. "
                    "Use SET_NULL, CASCADE, PROTECT or DO_NOTHING."
                )
        return dataclasses.replace(spec, indexes=tuple(indexes))

    def key_indexes(self, model: ModelState) -> list[IndexSpec]:
        """Return the indexes ``model``'s foreign keys get (see the module's docstring)."""
        declared = [index for index in self.meta_rules(model)[0] if self.can_build(index)]
        return self._key_indexes(model, declared)

    def _key_indexes(self, model: ModelState, indexes: list[IndexSpec]) -> list[IndexSpec]:
        led = {index.keys[0] for index in indexes if index.keys and not index.expressions}
        table = self.table_name(model)
        found = []
        for name, field in model.fields.items():
            if _needs_key_index(field) and name not in led:
                column = self.column_name(model, name)
                index_name = names.django_index_name(table, [column], "", self.name_limit)
                found.append(IndexSpec(name=index_name, columns=(column,), keys=(name,)))
        return found

    def index(self, model: ModelState, index: Index) -> IndexSpec:
        spec = super().index(model, index)
        if spec.where is not None:
            spec = dataclasses.replace(spec, where=None, where_identity=None)
        if self.can_build(spec):
            self.check_index(model, spec)
        return spec

    def can_build(self, index: IndexSpec) -> bool:
        """Return whether the server has a form for ``index``: no condition, and no
        expression on MariaDB."""
        return self.left_out_because(index) is None

    def left_out_because(self, index: IndexSpec) -> str | None:
        """Return why the server cannot build ``index``, or None when it can."""
        if index.where is not None:
            return (
                "MySQL and MariaDB have no partial unique rules (condition=), so it is left "
                "out and the rule is not enforced there"
            )
        if index.expressions and is_mariadb(self.dialect):
            return "MariaDB has no indexes over expressions, so it is left out"
        return None

    def left_out(self, state: ProjectState, model: ModelState) -> list[tuple[str, str]]:
        """Return ``(index name, how)`` for each index of ``model`` the table does not hold
        as declared: left out, or built without its condition."""
        try:
            declared = SpecBuilder.table(self, state, model).indexes
        except NotSupportedError:
            return []  # migrate says what is wrong with the model's indexes
        whole = (
            "MySQL and MariaDB have no partial indexes (condition=), so it is built without "
            "its condition"
        )
        found = [
            (index.name, whole)
            for index in model.indexes
            if index.condition is not None and self.can_build(self.index(model, index))
        ]
        for index in declared:
            why = self.left_out_because(index)
            if why is not None:
                found.append((index.name, why))
        return found

    def _field_rule(self, table: str, column: ColumnSpec, field: Field) -> list[IndexSpec]:
        if _needs_key_index(field):
            return []  # the table decides (see the module's docstring)
        return super()._field_rule(table, column, field)

    def check_index(self, model: ModelState, index: IndexSpec) -> None:
        """Raise :class:`NotSupportedError` for an index key longer than MySQL takes.

        Only a server known to be MySQL is held to it: a ``mysql://`` URL may lead to
        MariaDB, which dbshift learns at the first connection (``sqlmigrate`` makes
        none), and MariaDB builds such keys.
        """
        version = self.dialect.server_version_info
        if version is not None and not is_mariadb(self.dialect):
            self._check_key_length(model, index)

    def _check_key_length(self, model: ModelState, index: IndexSpec) -> None:
        total = 0
        for key in index.keys:
            field = model.fields.get(key)
            if field is None:
                continue
            if field.internal_type == "TextField":
                raise NotSupportedError(
                    f"Cannot index {_label(model, key)} on MySQL: a TextField (longtext) has "
                    "no key length. Use a CharField with max_length <= "
                    f"{MAX_KEY_BYTES // DEFAULT_CHAR_BYTES}, or drop the index or unique rule."
                )
            if field.internal_type in _TEXT_FAMILIES and field.max_length:
                total += field.max_length * _char_bytes(field)
        if total > MAX_KEY_BYTES:
            fields = ", ".join(_label(model, key) for key in index.keys)
            raise NotSupportedError(
                f"Cannot index {fields} on MySQL: the key takes up to {total} bytes (4 per "
                f"utf8mb4 character), over InnoDB's limit of {MAX_KEY_BYTES}. Lower max_length "
                f"to {MAX_KEY_BYTES // DEFAULT_CHAR_BYTES} or less in total, or drop the index "
                "or unique rule."
            )


def _needs_key_index(field: Field) -> bool:
    """Return whether ``field`` is a constrained key whose column InnoDB needs indexed,
    and no unique rule or primary key of its own indexes."""
    return (
        field.concrete
        and field.is_relation
        and not field.many_to_many
        and bool(field.db_constraint)  # type: ignore[attr-defined]
        and not field.unique
        and not field.primary_key
    )


def _label(model: ModelState, field_name: str) -> str:
    return f"{model.app_label}.{model.name}.{field_name}"


def _char_bytes(field: Field) -> int:
    collation = str(getattr(field, "db_collation", None) or "").lower()
    for prefix, size in _CHARSET_BYTES.items():
        if collation.startswith(prefix + "_") or collation == prefix:
            return size
    return DEFAULT_CHAR_BYTES


class MySQLSchemaEditor(SchemaEditor):
    """Change a MySQL or MariaDB schema in place, one committed statement at a time."""

    vendor: ClassVar[str] = MySQLBackend.vendor
    features: ClassVar[Features] = MySQLBackend.features
    data_types = DATA_TYPES
    field_checks = POSITIVE_CHECKS
    value_adapter_class = MySQLValueAdapter
    builder_class = MySQLSpecBuilder

    @classmethod
    def column_types(cls, dialect: sa.Dialect) -> Mapping[str, TypeFactory]:
        return MARIADB_DATA_TYPES if has_native_uuid(dialect) else cls.data_types

    # -- Tables --------------------------------------------------------------------------

    def create_table(self, spec: TableSpec, defer_indexes: bool = False) -> None:
        """Create a table, then its indexes, then its keys, which use those indexes."""
        self.execute(ddl.CreateTable(spec, spec.name, self.features.inline_foreign_keys))
        for index in spec.indexes:
            if not index.constraint:
                self.execute(ddl.CreateIndex(spec.name, index))
        for foreign_key in spec.foreign_keys:
            self.execute(ddl.AddConstraint(spec.name, foreign_key))
        self.create_comments(spec)

    def alter_column(self, table: str, change: ColumnChange, fill: Any) -> None:
        """Redefine the column whole when anything but a plain default changes.

        ``MODIFY COLUMN`` replaces the definition: a default, comment or
        ``AUTO_INCREMENT`` left out of it would be dropped, so all are written.
        A TEXT, BLOB or JSON default, an expression, is set the same way, the form
        every MySQL 8 release accepts for one.
        """
        new = change.new
        if change.null_changed and not new.nullable and fill is not None:
            self.fill_nulls(table, new, fill)
        if (
            _definition_changed(change)
            or change.comment_changed
            or (change.default_changed and takes_expression_default(new))
        ):
            checks = self.checks_in_definition(table, new.name)
            definition = ddl.ColumnDefinition(new, checks, default_sql=new.default_sql)
            self.execute(ModifyColumn(table, definition))
        elif change.default_changed:
            self.execute(ddl.AlterColumnDefault(table, new.name, new.default_sql))

    # -- Indexes and constraints -----------------------------------------------------------

    def alter_unique_together(self, old: ModelState, new: ModelState) -> None:
        with self._keys_stay_indexed(old, new):
            super().alter_unique_together(old, new)

    def alter_index_together(self, old: ModelState, new: ModelState) -> None:
        with self._keys_stay_indexed(old, new):
            super().alter_index_together(old, new)

    def add_index(self, model: ModelState, index: Index, concurrently: bool = False) -> None:
        """Create a ``Meta.indexes`` entry, unless the server has no form for it."""
        if self._can_build(model, index):
            with self._keys_stay_indexed(_without_index(model, index), model):
                super().add_index(model, index, concurrently)

    def remove_index(self, model: ModelState, index: Index, concurrently: bool = False) -> None:
        """Drop a ``Meta.indexes`` entry, unless it was never built."""
        if self._can_build(model, index):
            with self._keys_stay_indexed(model, _without_index(model, index)):
                super().remove_index(model, index, concurrently)

    @contextlib.contextmanager
    def _keys_stay_indexed(self, old: ModelState, new: ModelState) -> Iterator[None]:
        """Create the key indexes ``new`` adds before a change, drop those it loses after.

        InnoDB refuses to drop the last index a foreign key can use, so a key's own
        index must exist before the index it relied on goes.
        """
        builder = cast(MySQLSpecBuilder, self.builder)
        table = builder.table_name(new)
        before = {spec.signature: spec for spec in builder.key_indexes(old)}
        after = {spec.signature: spec for spec in builder.key_indexes(new)}
        for signature, spec in after.items():
            if signature not in before:
                self.create_object(table, spec)
        yield
        for signature, spec in before.items():
            if signature not in after:
                self.drop_key_index(table, spec)

    def drop_key_index(self, table: str, index: IndexSpec) -> None:
        """Drop an index a foreign key relied on, unless InnoDB dropped it already: it
        drops an index it made for a key once another index can serve the key."""
        self.flush_deferred(table)
        name, is_index = self.locate(table, index)
        if self.collect or any(obj.name == name for obj in self.existing_objects(table)):
            self.drop_located(table, name, is_index)

    def rename_index(self, model: ModelState, old_index: Index, new_index: Index) -> None:
        """Rename an index, unless it was never built."""
        if self._can_build(model, old_index):
            super().rename_index(model, old_index, new_index)

    def indexes_left_out(self, state: ProjectState) -> list[tuple[ModelState, str, str]]:
        builder = cast(MySQLSpecBuilder, self.builder)
        return [
            (model, name, why)
            for model in state.models.values()
            if model.managed
            for name, why in builder.left_out(state, model)
        ]

    def _can_build(self, model: ModelState, index: Index) -> bool:
        builder = cast(MySQLSpecBuilder, self.builder)
        return builder.can_build(builder.index(model, index))

    def drop_objects(self, diff: TableDiff) -> None:
        """Drop what goes, and the keys and checks to re-create under new names, first.

        MySQL renames neither, and refuses to rename or drop a column a check uses;
        an ``AUTO_INCREMENT`` column loses it before its primary key goes, as MySQL
        refuses a table whose auto column is no key.
        """
        pairs = _recreated(diff)
        remaining = self._drop_checks_in_definitions(diff, [old for old, _new in pairs])
        for old, new in pairs:
            if old in remaining:
                self._drop_renamed(diff.old.name, old, new)
        primary_key = diff.old.primary_key
        if primary_key is not None and primary_key in diff.dropped_objects:
            for column in diff.old.columns:
                if column.identity and column.name in primary_key.columns:
                    plain = dataclasses.replace(column, identity=False)
                    definition = ddl.ColumnDefinition(plain, default_sql=plain.default_sql)
                    self.execute(ModifyColumn(diff.old.name, definition))
        kept = _indexes_keys_need(diff)
        dropped = [obj for obj in diff.dropped_objects if obj not in kept]
        dropped = self._drop_checks_in_definitions(diff, dropped)
        super().drop_objects(dataclasses.replace(diff, dropped_objects=dropped))

    def _drop_renamed(self, table: str, old: SchemaObject, new: SchemaObject) -> None:
        """Drop a key or check that comes back under a new name.

        A key whose target table was renamed earlier in the operation (a model
        rename renames its table before the join tables pointing at it) already
        points at the new name: the database is searched for either.
        """
        if not isinstance(old, ForeignKeySpec) or not isinstance(new, ForeignKeySpec):
            self.drop_object(table, old)
            return
        found = self.existing(table, old) or self.existing(
            table, dataclasses.replace(old, to_table=new.to_table)
        )
        name = found.name if found and found.name else old.name
        assert name is not None  # MySQL's keys are always named (Features.named_keys)
        self.execute(DropForeignKey(table, name))

    def checks_in_definition(self, table: str, column: str) -> tuple[CheckSpec, ...]:
        """Return the checks MariaDB keeps in ``column``'s definition, as Django writes a
        positive field's: ``MODIFY COLUMN`` drops them unless it repeats them, and ``DROP
        CONSTRAINT`` cannot find them. None when collecting SQL, or on MySQL."""
        if self.collect or not is_mariadb(self.dialect):
            return ()
        rows = self.query(
            "SELECT constraint_name, check_clause FROM information_schema.check_constraints "
            "WHERE constraint_schema = DATABASE() AND table_name = %s AND level = 'Column'",
            (table,),
        )
        quoted = f"`{column}`"
        return tuple(
            CheckSpec(name, clause)
            for name, clause in rows
            if quoted in clause and clause != f"json_valid({quoted})"
        )

    def _drop_checks_in_definitions(
        self, diff: TableDiff, objects: list[SchemaObject]
    ) -> list[SchemaObject]:
        """Drop the checks of ``objects`` kept in a column's definition by redefining the
        column without them; return the other objects, to drop as usual."""
        rest = []
        for obj in objects:
            if not isinstance(obj, CheckSpec) or obj.column is None:
                rest.append(obj)
                continue
            inline = self.checks_in_definition(diff.old.name, obj.column)
            name, _is_index = self.locate(diff.old.name, obj)
            if all(check.name != name for check in inline):
                rest.append(obj)
                continue
            column = next(item for item in diff.old.columns if item.name == obj.column)
            others = tuple(check for check in inline if check.name != name)
            definition = ddl.ColumnDefinition(column, others, default_sql=column.default_sql)
            self.execute(ModifyColumn(diff.old.name, definition))
        return rest

    def create_objects(self, diff: TableDiff) -> None:
        """Create what comes, drop the indexes kept for keys, then re-create renamed keys.

        InnoDB refuses to drop the last index a foreign key can use: such an index
        goes once its replacement exists.
        """
        super().create_objects(diff)
        for index in _indexes_keys_need(diff):
            self.drop_key_index(diff.new.name, index)
        for _old, new in _recreated(diff):
            self.create_object(diff.new.name, new)

    def locate(
        self, table: str, obj: SchemaObject, current: SchemaObject | None = None
    ) -> tuple[str, bool]:
        """Return the name of ``obj`` and whether it is an index: every unique rule is one."""
        name, is_index = super().locate(table, obj, current)
        return name, is_index or isinstance(obj, IndexSpec)

    def drop_object(self, table: str, obj: SchemaObject) -> None:
        self.flush_deferred(table)
        if isinstance(obj, PrimaryKeySpec):
            self.execute(DropPrimaryKey(table, ""))
            return
        name, is_index = self.locate(table, obj)
        if isinstance(obj, ForeignKeySpec):
            self.execute(DropForeignKey(table, name))
        else:
            self.drop_located(table, name, is_index)

    def rename_object(self, table: str, old: SchemaObject, new: SchemaObject) -> None:
        """Rename an index; keys and checks are re-created instead (see :meth:`drop_objects`).

        A primary key is always called PRIMARY: it has nothing to rename.
        """
        if not isinstance(old, PrimaryKeySpec | ForeignKeySpec | CheckSpec):
            super().rename_object(table, old, new)

    def run_script(self, sql: str) -> None:
        """Run each statement of ``sql``; the driver runs only one per call."""
        for statement in split_statements(sql):
            self.execute(statement)

    def check_integrity(self) -> None:
        """Nothing is left to check: InnoDB checks foreign keys at each statement."""


def _without_index(model: ModelState, index: Index) -> ModelState:
    return model.with_option("indexes", [item for item in model.indexes if item.name != index.name])


def _definition_changed(change: ColumnChange) -> bool:
    """Return whether more than the column's default changed (which ALTER COLUMN can set)."""
    return (
        change.type_changed
        or change.null_changed
        or change.identity_changed
        or change.old.primary_key != change.new.primary_key
    )


def _indexes_keys_need(diff: TableDiff) -> list[IndexSpec]:
    """Return the dropped indexes that lead with the column of a key that stays meanwhile."""
    kept_keys = {
        key.column
        for key in diff.old.foreign_keys
        if key not in diff.dropped_objects
        and all(key is not old for old, _new in diff.renamed_objects)
    }
    return [
        obj
        for obj in diff.dropped_objects
        if isinstance(obj, IndexSpec) and obj.columns[:1] and obj.columns[0] in kept_keys
    ]


def _recreated(diff: TableDiff) -> list[tuple[SchemaObject, SchemaObject]]:
    """Return the keys and checks whose names change, which MySQL cannot rename."""
    return [
        (old, new)
        for old, new in diff.renamed_objects
        if isinstance(old, ForeignKeySpec | CheckSpec)
    ]
