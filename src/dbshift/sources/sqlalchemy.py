"""SQLAlchemy tables as model states: apps whose models are a declarative base or a MetaData.

An app entry ``{ name = "shop", models = "shop.db:Base" }`` names a declarative
base (its registry's metadata, with the mapped classes naming the models and
their attributes naming the fields) or a ``MetaData`` (models named after their
tables). Each ``Table`` becomes a :class:`ModelState` that builds the same
table ``metadata.create_all()`` would: the table, column, index and constraint
names are the ones SQLAlchemy gives, so a database built by ``create_all`` or by
Alembic can be taken over with ``migrate --fake-initial``.

What the model layer cannot express is refused with one error naming
``table.column`` and what to do, never approximated silently.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.sql import elements

from dbshift import models
from dbshift.exceptions import ConfigurationError, ModelDefinitionError
from dbshift.migrations.state import ModelState
from dbshift.models.fields import NOT_PROVIDED, Field
from dbshift.models.functions import Now

if TYPE_CHECKING:
    from dbshift.apps import AppConfig, Apps

#: ``ondelete`` spellings and the rule that gives the same ``ON DELETE`` clause.
ON_DELETE = {
    None: models.DO_NOTHING,
    "CASCADE": models.CASCADE,
    "RESTRICT": models.RESTRICT,
    "SET NULL": models.SET_NULL,
    "SET DEFAULT": models.SET_DEFAULT,
    "NO ACTION": models.DO_NOTHING,
}
#: Server defaults that mean "the current time" on every supported database.
NOW_SPELLINGS = frozenset({"now()", "current_timestamp", "localtimestamp"})
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_QUOTED = re.compile(r"^'((?:[^']|'')*)'$")
#: Compiles a check given as an expression; its SQL is the same on every database.
_GENERIC_DIALECT = sa.engine.default.DefaultDialect()


@dataclass
class MappedTable:
    """One table of a source, the app that owns it and the model it becomes."""

    table: sa.Table
    app_label: str
    model_name: str
    #: Field name by column name, from the mapped class's attributes.
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.app_label}.{self.model_name}"


def read_sources(apps: Apps) -> None:
    """Read the tables of every app that names a SQLAlchemy source into its model states."""
    configs = [config for config in apps.app_configs.values() if config.source]
    owned: dict[sa.Table, MappedTable] = {}
    for config in configs:
        assert config.source is not None  # configs without a source were left out above
        metadata, mappers = source_metadata(apps.import_source(config.source, config.label))
        for table in _owned_tables(config, metadata, configs):
            owned[table] = _mapped_table(table, config.label, mappers.get(table))
    for config in configs:
        config.source_states = [
            TableReader(mapped, owned).model_state()
            for mapped in owned.values()
            if mapped.app_label == config.label
        ]
        _check_unique_models(config)


def source_metadata(source: Any) -> tuple[sa.MetaData, dict[sa.Table, Any]]:
    """Return the metadata of a source and the mapper of each mapped table."""
    if isinstance(source, sa.MetaData):
        return source, {}
    metadata = getattr(source, "metadata", None)
    if not isinstance(metadata, sa.MetaData):
        raise ConfigurationError(
            f"The models source {source!r} is neither a declarative base nor a MetaData; "
            "name the class your models derive from (such as Base or SQLModel) or a MetaData."
        )
    registry = getattr(source, "registry", None) or getattr(source, "_sa_registry", None)
    mappers: dict[sa.Table, Any] = {}
    for mapper in getattr(registry, "mappers", ()):
        table = mapper.local_table
        if isinstance(table, sa.Table) and mapper.inherits is None:
            mappers.setdefault(table, mapper)
    return metadata, mappers


def _owned_tables(
    config: AppConfig, metadata: sa.MetaData, configs: list[AppConfig]
) -> Iterable[sa.Table]:
    """Return the tables ``config`` owns: those it lists, or those no other app lists."""
    if config.tables is not None:
        for name in config.tables:
            if name not in metadata.tables:
                raise ConfigurationError(
                    f"App '{config.label}' lists table {name!r}, which {config.source} does "
                    f"not define; tables there: {', '.join(sorted(metadata.tables)) or 'none'}."
                )
            yield metadata.tables[name]
        return
    listed = {name for other in configs if other.tables for name in other.tables}
    yield from (table for name, table in metadata.tables.items() if name not in listed)


def _mapped_table(table: sa.Table, app_label: str, mapper: Any) -> MappedTable:
    if table.schema is not None:
        raise ModelDefinitionError(
            f"Table {table.fullname} of app '{app_label}' is in schema {table.schema!r}; "
            "dbshift migrates tables of the connection's default schema only."
        )
    if mapper is None:
        name = "".join(part.capitalize() for part in re.split(r"[^0-9A-Za-z]+", table.name))
        if not name.isidentifier():
            name = f"Table{name}"
        return MappedTable(table, app_label, name)
    attributes = {}
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        if isinstance(column, sa.Column) and column.table is table:
            attributes[column.name] = prop.key
    return MappedTable(table, app_label, mapper.class_.__name__, attributes)


def _check_unique_models(config: AppConfig) -> None:
    seen: dict[str, str] = {}
    for state in config.source_states:
        if state.name_lower in seen:
            raise ModelDefinitionError(
                f"Tables {seen[state.name_lower]} and {state.db_table} of app "
                f"'{config.label}' both become model {state.name}; map one of them to a "
                "class of another name."
            )
        seen[state.name_lower] = state.db_table


class TableReader:
    """Turn one ``Table`` into the model state that builds the same table."""

    def __init__(self, mapped: MappedTable, owned: dict[sa.Table, MappedTable]) -> None:
        self.mapped = mapped
        self.table = mapped.table
        self.owned = owned
        self.field_names: dict[str, str] = {}

    def model_state(self) -> ModelState:
        """Return the model state of the table."""
        self._check_primary_key()
        fields: dict[str, Field] = {}
        for column in self.table.columns:
            name, fld = self.field(column)
            if name in fields:
                raise ModelDefinitionError(
                    f"Columns {self.where(column)} and {fields[name].column_name(name)} "
                    f"both become field {self.mapped.label}.{name}; map one of them to an "
                    "attribute of another name."
                )
            fld.check(self.mapped.label, name)
            fields[name] = fld
            self.field_names[column.name] = name
        # Names are plain str: SQLAlchemy's quoted_name would make the states need it.
        options: dict[str, Any] = {"db_table": str(self.table.name)}
        table_indexes = _sorted_by_name(self.table.indexes)
        indexes = [self.index(index) for index in table_indexes if not index.unique]
        # A unique index and a UNIQUE constraint enforce the same rule; the model
        # layer has the constraint only.
        constraints = [self.unique(index) for index in table_indexes if index.unique]
        constraints += self.constraints()
        if indexes:
            options["indexes"] = indexes
        if constraints:
            options["constraints"] = constraints
        if self.table.comment:
            options["db_table_comment"] = self.table.comment
        return ModelState(self.mapped.app_label, self.mapped.model_name, fields, options)

    # -- Columns ---------------------------------------------------------------------------

    def field(self, column: sa.Column[Any]) -> tuple[str, Field]:
        """Return the field name and field that give ``column``."""
        foreign_keys = list(column.foreign_keys)
        args: tuple[Any, ...] = ()
        if foreign_keys:
            name, field_class, args, options = self.foreign_key(column, foreign_keys)
        else:
            name = self.field_name(column)
            field_class, options = self.column_type(column)
            if column.name != name:
                options["db_column"] = str(column.name)
        options.update(self.common_options(column))
        if column.server_default is not None:
            options["db_default"] = self.db_default(column, field_class(*args, **options))
        return name, field_class(*args, **options)

    def field_name(self, column: sa.Column[Any]) -> str:
        """Return the mapped attribute's name, else the column's, if it can name a field."""
        for candidate in (self.mapped.attributes.get(column.name), str(column.name)):
            if candidate and candidate.isidentifier() and _valid_field_name(candidate):
                return candidate
        raise ModelDefinitionError(
            f"Column {self.where(column)}: neither its attribute nor its name can name a "
            "field (names may not end with '_', contain '__' or be 'pk'); map the column "
            "to an attribute with such a name."
        )

    def common_options(self, column: sa.Column[Any]) -> dict[str, Any]:
        options: dict[str, Any] = {}
        if column.primary_key:
            options["primary_key"] = True
        elif column.nullable:
            options["null"] = True
        if column.comment:
            options["db_comment"] = column.comment
        return options

    def column_type(self, column: sa.Column[Any]) -> tuple[type[Field], dict[str, Any]]:
        """Return the field class and type options that give the column's type."""
        type_ = column.type
        while True:
            for kind, convert in TYPE_READERS:
                if isinstance(type_, kind):
                    return convert(self, column, type_)
            # A decorated type (SQLModel's AutoString) stores what it decorates.
            if not isinstance(type_, sa.types.TypeDecorator):
                raise self.unsupported(column, column.type)
            type_ = type_.impl_instance

    def unsupported(self, column: sa.Column[Any], type_: Any, why: str = "") -> Exception:
        return ModelDefinitionError(
            f"Column {self.where(column)} has type {type(type_).__name__}{why}, which dbshift "
            "cannot migrate from SQLAlchemy models; use one of the types listed in "
            "docs/sqlalchemy.md, or keep this table out of the app with tables = [...]."
        )

    def integer(self, column: sa.Column[Any], type_: Any) -> tuple[type[Field], dict[str, Any]]:
        big = isinstance(type_, sa.BigInteger)
        small = isinstance(type_, sa.SmallInteger)
        if self.auto_increments(column):
            auto_kind = models.BigAutoField if big else models.SmallAutoField if small else None
            return auto_kind or models.AutoField, {}
        kind = models.BigIntegerField if big else models.SmallIntegerField if small else None
        return kind or models.IntegerField, {}

    def auto_increments(self, column: sa.Column[Any]) -> bool:
        return column is self.table.autoincrement_column

    def string(self, column: sa.Column[Any], type_: Any) -> tuple[type[Field], dict[str, Any]]:
        options = {"db_collation": type_.collation} if type_.collation else {}
        if isinstance(type_, sa.Text) or type_.length is None:
            return models.TextField, options
        return models.CharField, {"max_length": type_.length, **options}

    def enum(self, column: sa.Column[Any], type_: Any) -> tuple[type[Field], dict[str, Any]]:
        if type_.native_enum:
            raise self.unsupported(column, type_, " as a native enum type (set native_enum=False)")
        if type_.create_constraint:
            raise self.unsupported(column, type_, " with create_constraint=True")
        return models.CharField, {"max_length": type_.length}

    def numeric(self, column: sa.Column[Any], type_: Any) -> tuple[type[Field], dict[str, Any]]:
        if type_.precision is None or type_.scale is None:
            raise self.unsupported(column, type_, " without precision and scale")
        return models.DecimalField, {"max_digits": type_.precision, "decimal_places": type_.scale}

    def float_(self, column: sa.Column[Any], type_: Any) -> tuple[type[Field], dict[str, Any]]:
        if type_.precision is not None and not isinstance(type_, sa.Double):
            raise self.unsupported(column, type_, f"({type_.precision})")
        return models.FloatField, {}

    def datetime(self, column: sa.Column[Any], type_: Any) -> tuple[type[Field], dict[str, Any]]:
        return models.DateTimeField, {} if type_.timezone else {"db_timezone": False}

    # -- Defaults -------------------------------------------------------------------------

    def db_default(self, column: sa.Column[Any], probe: Field) -> Any:
        """Return the ``db_default`` that gives the column's ``server_default``.

        ``probe`` is the field without it, whose type converts the literal.
        """
        default = column.server_default
        arg = getattr(default, "arg", None) if isinstance(default, sa.DefaultClause) else None
        value: Any = NOT_PROVIDED
        if isinstance(arg, str):
            value = arg
        elif isinstance(arg, elements.True_ | elements.False_):
            value = isinstance(arg, elements.True_)
        elif _sql_text(arg) is not None:
            value = _literal(_sql_text(arg) or "")
        if isinstance(value, Now):
            return value
        if value is not NOT_PROVIDED:
            try:
                return probe.to_python(value)
            except (TypeError, ValueError, ArithmeticError) as err:
                raise ModelDefinitionError(
                    f"Column {self.where(column)}: server_default {value!r} is not a value "
                    f"of the column's type ({err})."
                ) from err
        raise ModelDefinitionError(
            f"Column {self.where(column)} has server_default {arg!r}, which dbshift cannot "
            "express; use a literal value (server_default='0'), text of a literal, or "
            "func.now()."
        )

    # -- Relations ------------------------------------------------------------------------

    def foreign_key(
        self, column: sa.Column[Any], foreign_keys: list[sa.ForeignKey]
    ) -> tuple[str, type[Field], tuple[Any, ...], dict[str, Any]]:
        key = foreign_keys[0]
        assert key.constraint is not None  # the key of a column of a Table has its constraint
        if len(foreign_keys) > 1 or len(key.constraint.columns) > 1:
            raise ModelDefinitionError(
                f"Column {self.where(column)} is part of a composite or repeated foreign "
                "key, which dbshift cannot migrate; reference one column of one table."
            )
        target_column = key.column
        target = self.owned.get(target_column.table)
        if target is None:
            raise ModelDefinitionError(
                f"Column {self.where(column)} references table "
                f"{target_column.table.name}, which no app owns; add it to an app's tables."
            )
        if key.ondelete is not None and key.ondelete.upper() not in ON_DELETE:
            raise ModelDefinitionError(
                f"Column {self.where(column)} has ondelete={key.ondelete!r}; use CASCADE, "
                "RESTRICT, SET NULL, SET DEFAULT or NO ACTION."
            )
        if key.onupdate is not None or key.deferrable:
            raise ModelDefinitionError(
                f"Column {self.where(column)}: foreign keys with onupdate or deferrable are "
                "not supported; remove the option."
            )
        name = self.field_name(column)
        if name.endswith("_id") and name[:-3].isidentifier() and _valid_field_name(name[:-3]):
            name = name[:-3]
        options: dict[str, Any] = {
            "on_delete": ON_DELETE[key.ondelete.upper() if key.ondelete else None],
            "db_index": False,
        }
        target_pk = [c.name for c in target.table.primary_key.columns]
        if [target_column.name] != target_pk:
            options["to_field"] = target.attributes.get(target_column.name, str(target_column.name))
        if column.name != f"{name}_id":
            options["db_column"] = str(column.name)
        kind = models.OneToOneField if column.primary_key else models.ForeignKey
        return name, kind, (target.label,), options

    # -- Indexes and constraints ----------------------------------------------------------

    def index(self, index: sa.Index) -> models.Index:
        fields = [self.field_names[name] for name in self.index_columns(index)]
        return models.Index(fields=fields, name=str(index.name))

    def index_columns(self, index: sa.Index) -> list[str]:
        """Return the indexed column names; refuse what a model's index cannot hold."""
        columns = [c for c in index.expressions if isinstance(c, sa.Column)]
        if len(columns) < len(index.expressions) or index.dialect_kwargs:
            raise ModelDefinitionError(
                f"Index {index.name} on table {self.table.name} indexes expressions or has "
                "dialect options, which dbshift cannot migrate yet; index plain columns."
            )
        return [column.name for column in columns]

    def constraints(self) -> list[Any]:
        found: list[Any] = [
            self.unique(constraint)
            for constraint in _sorted_by_name(self.table.constraints)
            if isinstance(constraint, sa.UniqueConstraint)
        ]
        return found + self.checks()

    def checks(self) -> list[models.CheckConstraint]:
        """Return the table's check constraints, named as PostgreSQL names unnamed ones.

        ``create_all`` writes a column's checks with the column and the table's after
        the columns, each in the order it was declared; PostgreSQL names an unnamed
        check after the table and the one column it reads (``book_pages_check``), or
        the table alone (``book_check``), numbered from 1 when the name is taken.
        """
        declared = [check for column in self.table.columns for check in column.constraints]
        # SQLAlchemy's own order of a table's constraints in CREATE TABLE.
        declared += sorted(self.table.constraints, key=lambda item: item._creation_order)
        used = {str(item.name) for item in declared if item.name}
        checks = []
        for check in declared:
            if not isinstance(check, sa.CheckConstraint) or _is_type_check(check):
                continue
            sql = self.check_sql(check)
            name = str(check.name) if check.name else self.check_name(sql, used)
            used.add(name)
            condition = models.RawSQL(sql, [], output_field=models.BooleanField())
            checks.append(models.CheckConstraint(condition=condition, name=name))
        return _sorted_by_name(checks)

    def check_sql(self, check: sa.CheckConstraint) -> str:
        """Return the condition of a check as SQL text, as ``create_all`` writes it."""
        if isinstance(check.sqltext, elements.TextClause):
            return check.sqltext.text.strip()
        compiled = check.sqltext.compile(
            dialect=_GENERIC_DIALECT,
            compile_kwargs={"literal_binds": True, "include_table": False},
        )
        return str(compiled).strip()

    def check_name(self, sql: str, used: set[str]) -> str:
        words = {word.lower() for word in re.findall(r"[A-Za-z_][A-Za-z_0-9]*", _unquoted(sql))}
        read = [column.name for column in self.table.columns if column.name.lower() in words]
        base = (
            f"{self.table.name}_{read[0]}_check" if len(read) == 1 else f"{self.table.name}_check"
        )
        name, number = base, 0
        while name in used:
            number += 1
            name = f"{base}{number}"
        return name

    def unique(self, constraint: sa.UniqueConstraint | sa.Index) -> models.UniqueConstraint:
        if isinstance(constraint, sa.Index):
            columns = self.index_columns(constraint)
        else:
            columns = [column.name for column in constraint.columns]
        # PostgreSQL's own name for an unnamed UNIQUE, so a create_all database matches.
        name = constraint.name or f"{self.table.name}_{'_'.join(columns)}_key"
        return models.UniqueConstraint(
            fields=[self.field_names[c] for c in columns], name=str(name)
        )

    def _check_primary_key(self) -> None:
        columns = list(self.table.primary_key.columns)
        if len(columns) != 1:
            what = "no primary key" if not columns else "a composite primary key"
            raise ModelDefinitionError(
                f"Table {self.table.name} of app '{self.mapped.app_label}' has {what}; "
                "dbshift models need a single-column primary key. Add an id column, or "
                "keep this table out of the app with tables = [...]."
            )

    def where(self, column: sa.Column[Any]) -> str:
        return f"{self.table.name}.{column.name}"


def _valid_field_name(name: str) -> bool:
    return not (name.endswith("_") or "__" in name or name == "pk")


def _sorted_by_name(items: Iterable[Any]) -> list[Any]:
    return sorted(items, key=lambda item: str(item.name or ""))


def _is_type_check(constraint: sa.CheckConstraint) -> bool:
    """Return whether a check comes with a type (Boolean, Enum), not with the table."""
    return bool(getattr(constraint, "_type_bound", False))


def _unquoted(sql: str) -> str:
    """Return ``sql`` without its string literals."""
    return re.sub(r"'(?:[^']|'')*'", "''", sql)


def _sql_text(arg: Any) -> str | None:
    if isinstance(arg, elements.TextClause):
        return arg.text.strip()
    if isinstance(arg, sa.sql.functions.now | sa.sql.functions.current_timestamp):
        return "now()"
    return None


def _literal(text: str) -> Any:
    """Return the Python value of an SQL literal, or NOT_PROVIDED when it is not one."""
    if text.lower() in NOW_SPELLINGS:
        return Now()
    if _NUMBER.match(text):
        return int(text) if "." not in text else decimal.Decimal(text)
    quoted = _QUOTED.match(text)
    if quoted:
        return quoted.group(1).replace("''", "'")
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return NOT_PROVIDED


def _fixed(kind: type[Field]) -> Any:
    """Return a type reader that always gives ``kind``."""
    return lambda reader, column, type_: (kind, {})


#: The field each SQLAlchemy type family becomes, most specific first (Enum is a
#: String, Float a Numeric).
TYPE_READERS: list[tuple[type, Any]] = [
    (sa.Enum, TableReader.enum),
    (sa.String, TableReader.string),
    (sa.Integer, TableReader.integer),
    (sa.Boolean, _fixed(models.BooleanField)),
    (sa.DateTime, TableReader.datetime),
    (sa.Date, _fixed(models.DateField)),
    (sa.Time, _fixed(models.TimeField)),
    (sa.Interval, _fixed(models.DurationField)),
    (sa.Float, TableReader.float_),
    (sa.Numeric, TableReader.numeric),
    (sa.LargeBinary, _fixed(models.BinaryField)),
    (sa.JSON, _fixed(models.JSONField)),
    (sa.Uuid, _fixed(models.UUIDField)),
]
