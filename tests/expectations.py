"""What a model state should become in a database, written out by hand.

A reviewer checks this module against Django's model field reference and the
column types Django 5.2's backends declare, not against dbshift's builder: it
shares no code with ``dbshift.backends``. It reads a :class:`ProjectState` (plain
data: models, fields and their options) and returns the
:class:`tests.structure.Table` values a correct migration leaves behind, in the
shape :func:`tests.structure.read_structure` reads a database.

It knows the field classes and options that the generated histories use; a
state with anything else raises :class:`Unexpected`, so that a test never passes
because an expectation was left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dbshift.migrations.state import ModelState, ProjectState
from dbshift.models.fields import NOT_PROVIDED
from tests.structure import (
    Column,
    ForeignKey,
    Index,
    Structure,
    Table,
    describe_differences,
    read_structure,
    vendor_of,
    without_repeated_unique_rules,
)


class Unexpected(AssertionError):
    """The state uses something this module has no expectation for."""


#: Column type per field class, as (SQLite, PostgreSQL, MariaDB), lower case as each
#: database reports it (MariaDB without display widths: ``int`` for ``int(11)``). The
#: same as Django 5.2 unless a comment says otherwise; on MariaDB 10.7+ Django's UUIDs
#: are the native ``uuid``, its ``json`` a ``longtext`` with a ``json_valid`` check.
COLUMN_TYPES: dict[str, tuple[str, str, str]] = {
    # Automatic keys: SQLite's INTEGER PRIMARY KEY AUTOINCREMENT whatever the size,
    # PostgreSQL identity columns of the declared size.
    "AutoField": ("integer", "integer", "int"),
    "BigAutoField": ("integer", "bigint", "bigint"),
    "SmallAutoField": ("integer", "smallint", "smallint"),
    "BooleanField": ("bool", "boolean", "tinyint(1)"),
    "CharField": (
        "varchar({max_length})",
        "character varying({max_length})",
        "varchar({max_length})",
    ),
    "SlugField": (
        "varchar({max_length})",
        "character varying({max_length})",
        "varchar({max_length})",
    ),
    "EmailField": (
        "varchar({max_length})",
        "character varying({max_length})",
        "varchar({max_length})",
    ),
    "URLField": (
        "varchar({max_length})",
        "character varying({max_length})",
        "varchar({max_length})",
    ),
    "TextField": ("text", "text", "longtext"),
    "IntegerField": ("integer", "integer", "int"),
    "BigIntegerField": ("bigint", "bigint", "bigint"),
    "SmallIntegerField": ("smallint", "smallint", "smallint"),
    # Django declares "integer unsigned" (and bigint/smallint) on SQLite; dbshift the
    # plain type. Both have INTEGER affinity and both add the CHECK (col >= 0).
    "PositiveIntegerField": ("integer", "integer", "int unsigned"),
    "PositiveBigIntegerField": ("bigint", "bigint", "bigint unsigned"),
    "PositiveSmallIntegerField": ("smallint", "smallint", "smallint unsigned"),
    "DecimalField": (
        "decimal",
        "numeric({max_digits},{decimal_places})",
        "decimal({max_digits},{decimal_places})",
    ),
    "FloatField": ("real", "double precision", "double"),
    "DateTimeField": ("datetime", "timestamp with time zone", "datetime(6)"),
    "DateField": ("date", "date", "date"),
    "TimeField": ("time", "time without time zone", "time(6)"),
    "DurationField": ("bigint", "interval", "bigint"),
    "BinaryField": ("blob", "bytea", "longblob"),
    "UUIDField": ("char(32)", "uuid", "uuid"),
    "JSONField": ("text", "jsonb", "json"),
    "GenericIPAddressField": ("char(39)", "inet", "char(39)"),
}

#: What a foreign key column is when it points at a field of these classes: the same
#: size, without numbering or sign.
RELATED_CLASSES = {
    "AutoField": "IntegerField",
    "BigAutoField": "BigIntegerField",
    "SmallAutoField": "SmallIntegerField",
    "PositiveIntegerField": "IntegerField",
    "PositiveBigIntegerField": "BigIntegerField",
    "PositiveSmallIntegerField": "SmallIntegerField",
}

#: ON DELETE action per on_delete rule. dbshift enforces the rule in the database
#: (Django leaves NO ACTION and emulates the rule in Python; see tests/django_oracle.py).
ON_DELETE = {
    "CASCADE": "CASCADE",
    "PROTECT": "RESTRICT",
    "RESTRICT": "RESTRICT",
    "SET_NULL": "SET NULL",
    "SET_DEFAULT": "SET DEFAULT",
    "DO_NOTHING": "NO ACTION",
}

_POSITIVE = {"PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField"}
_AUTO = {"AutoField", "BigAutoField", "SmallAutoField"}
_VENDORS = ("sqlite", "postgresql", "mariadb")
#: InnoDB's RESTRICT is NO ACTION (tests/structure.py reads both so).
_MARIADB_ACTIONS = {"RESTRICT": "NO ACTION"}


def column_type(kind: str, vendor: str) -> str:
    """Return the column type of a field class without parameters (``IntegerField``)."""
    return COLUMN_TYPES[kind][_VENDORS.index(vendor)]


def expected_structure(state: ProjectState, vendor: str) -> Structure:
    """Return the tables the managed models of ``state`` must have on ``vendor``."""
    tables: Structure = {}
    for model in state.models.values():
        if not model.options.get("managed", True):
            continue
        built = _TableBuilder(state, model, vendor)
        tables[built.name] = built.table()
        for name, relation in model.fields.items():
            if relation.many_to_many:
                tables.update(_join_table(state, model, name, relation, vendor))
    return tables


def assert_database_matches(url: str, state: ProjectState) -> None:
    """Assert that the database at ``url`` holds exactly the tables ``state`` declares."""
    actual = without_repeated_unique_rules(read_structure(url))
    expected = without_repeated_unique_rules(expected_structure(state, vendor_of(url)))
    assert actual == expected, "\n".join(describe_differences(actual, expected))


def table_name(model: ModelState) -> str:
    return model.options.get("db_table") or f"{model.app_label}_{model.name_lower}"


def _class_name(field: Any) -> str:
    """Return the first class of ``field``'s ancestry that the type table knows."""
    for klass in type(field).__mro__:
        if klass.__name__ in COLUMN_TYPES or klass.__name__ in {"ForeignKey", "OneToOneField"}:
            return klass.__name__
    raise Unexpected(f"no column type written for {type(field).__name__}")


def _pk(model: ModelState) -> tuple[str, Any]:
    found = [(name, f) for name, f in model.fields.items() if getattr(f, "primary_key", False)]
    if len(found) != 1:
        raise Unexpected(f"{model.label_lower} has {len(found)} primary keys")
    return found[0]


def column_name(name: str, field: Any) -> str:
    if field.db_column:
        return field.db_column
    return f"{name}_id" if field.is_relation else name


@dataclass
class _TableBuilder:
    """The table of one model, collected column by column."""

    state: ProjectState
    model: ModelState
    vendor: str
    columns: dict[str, Column] = field(default_factory=dict)
    primary_key: tuple[str, ...] = ()
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    uniques: list[tuple[str, ...]] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    #: Columns of constrained keys that InnoDB needs an index to lead with.
    key_columns: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return table_name(self.model)

    @property
    def postgresql(self) -> bool:
        return self.vendor == "postgresql"

    @property
    def has_comments(self) -> bool:
        """Tables and columns keep comments and collations (not on SQLite)."""
        return self.vendor != "sqlite"

    def table(self) -> Table:
        for name, model_field in self.model.fields.items():
            if not model_field.many_to_many:
                self.add_field(name, model_field)
        self.add_meta()
        self.add_key_indexes()
        unique_indexes = [] if self.postgresql else self.uniques
        return Table(
            columns=self.columns,
            primary_key=self.primary_key,
            foreign_keys=tuple(sorted(self.foreign_keys)),
            # PostgreSQL gets UNIQUE constraints; on SQLite dbshift makes unique rules
            # unique indexes (Django writes UNIQUE in the table; the rule is the same).
            unique_constraints=tuple(sorted(self.uniques)) if self.postgresql else (),
            indexes=tuple(sorted(self.indexes + [Index(u, unique=True) for u in unique_indexes])),
            checks=tuple(sorted(self.checks)),
            comment=self.model.options.get("db_table_comment") if self.has_comments else None,
        )

    def add_field(self, name: str, model_field: Any) -> None:
        _refuse(model_field, "db_default", "db_tablespace", "generated")
        column = column_name(name, model_field)
        kind = _class_name(model_field)
        self.columns[column] = Column(
            type=self.column_type(model_field),
            nullable=bool(model_field.null) and not model_field.primary_key,
            identity=kind in _AUTO and model_field.primary_key,
            comment=model_field.db_comment if self.has_comments else None,
            collation=getattr(model_field, "db_collation", None) if self.has_comments else None,
        )
        indexed = model_field.primary_key or model_field.unique or model_field.db_index
        if indexed and not getattr(model_field, "db_collation", None):
            self.add_pattern_index(column)
        if model_field.primary_key:
            self.primary_key = (column,)
            return
        if kind in _POSITIVE:
            self.checks.append(f"{column}>=0")
        if kind == "JSONField" and self.vendor == "sqlite":
            self.checks.append(f"json_valid({column})OR{column}ISNULL")
        if model_field.is_relation and model_field.db_constraint:
            self.foreign_keys.append(self.foreign_key(column, model_field))
        if model_field.unique:
            self.uniques.append((column,))
        elif self.vendor == "mariadb" and model_field.is_relation and model_field.db_constraint:
            self.key_columns.append(column)
        elif model_field.db_index:
            self.indexes.append(Index((column,)))

    def add_key_indexes(self) -> None:
        """Index each key column no index or unique rule leads with, on MariaDB.

        Django leaves these to InnoDB, which makes one (whatever db_index says)
        only where no other index can serve the key.
        """
        led = {index.columns[0] for index in self.indexes if not index.partial}
        led |= {columns[0] for columns in self.uniques}
        for column in self.key_columns:
            if column not in led:
                self.indexes.append(Index((column,)))

    def add_pattern_index(self, column: str) -> None:
        """Add the index for LIKE of an indexed varchar/text column, on PostgreSQL.

        Django 5.2 adds it (varchar_pattern_ops, text_pattern_ops) beside the index,
        unique rule or primary key of such a column, a foreign key's included.
        """
        if self.postgresql and self.columns[column].type.startswith(("character varying", "text")):
            self.indexes.append(Index((column,), pattern_ops=True))

    def column_type(self, model_field: Any) -> str:
        if model_field.is_relation:
            _name, target = self.target(model_field)
            kind = _related_class(_class_name(target), self.vendor)
        else:
            target, kind = model_field, _class_name(model_field)
        template = COLUMN_TYPES[kind][_VENDORS.index(self.vendor)]
        return template.format(
            max_length=getattr(target, "max_length", None),
            max_digits=getattr(target, "max_digits", None),
            decimal_places=getattr(target, "decimal_places", None),
        )

    def target(self, model_field: Any) -> tuple[str, Any]:
        target_model = self.state.get_model_by_label(model_field.remote_label)
        if model_field.to_field:
            return model_field.to_field, target_model.fields[model_field.to_field]
        return _pk(target_model)

    def foreign_key(self, column: str, model_field: Any) -> ForeignKey:
        target_model = self.state.get_model_by_label(model_field.remote_label)
        name, target = self.target(model_field)
        rule = model_field.on_delete.name
        if rule not in ON_DELETE:
            raise Unexpected(f"no ON DELETE action written for {rule}")
        action = ON_DELETE[rule]
        if self.vendor == "mariadb":
            action = _MARIADB_ACTIONS.get(action, action)
        return ForeignKey(
            (column,),
            table_name(target_model),
            (column_name(name, target),),
            action,
            deferred=self.vendor != "mariadb",  # InnoDB checks every key at once
        )

    def add_meta(self) -> None:
        columns = self.columns_of
        for together in self.model.options.get("unique_together", ()):
            self.uniques.append(columns(together))
        for index in self.model.options.get("indexes", ()):
            _refuse(index, "expressions", "include", "opclasses")
            names = [name.removeprefix("-") for name in index.fields]
            self.indexes.append(
                Index(
                    columns(names),
                    descending=tuple(name.startswith("-") for name in index.fields),
                    # MySQL and MariaDB build a partial index whole, as Django does.
                    partial=index.condition is not None and self.vendor != "mariadb",
                )
            )
        for constraint in self.model.options.get("constraints", ()):
            if type(constraint).__name__ != "UniqueConstraint":
                raise Unexpected(f"no expectation written for {type(constraint).__name__}")
            _refuse(constraint, "expressions", "include", "opclasses", "deferrable")
            if constraint.condition is not None and self.vendor == "mariadb":
                continue  # no partial unique rules there: left out, as Django does
            if constraint.condition is not None:
                self.indexes.append(Index(columns(constraint.fields), unique=True, partial=True))
            else:
                self.uniques.append(columns(constraint.fields))

    def columns_of(self, names: Any) -> tuple[str, ...]:
        return tuple(column_name(name, self.model.fields[name]) for name in names)


def _related_class(kind: str, vendor: str) -> str:
    """Return the field class whose column type a key to a ``kind`` field has.

    Django keeps the unsigned type of a positive integer on MySQL and MariaDB
    (``related_fields_match_type``), where a key and its target must agree.
    """
    if vendor == "mariadb" and kind in _POSITIVE:
        return kind
    return RELATED_CLASSES.get(kind, kind)


def _refuse(thing: Any, *options: str) -> None:
    """Raise :class:`Unexpected` if ``thing`` sets any of ``options``."""
    for option in options:
        value = getattr(thing, option, None)
        if value is not NOT_PROVIDED and value not in (None, (), [], "", False):
            raise Unexpected(f"no expectation written for {type(thing).__name__}.{option}")


def _join_table(
    state: ProjectState, model: ModelState, name: str, relation: Any, vendor: str
) -> Structure:
    """Return the automatic join table of many-to-many field ``model.name`` (none if through)."""
    if relation.through is not None:
        return {}
    target = state.get_model_by_label(relation.remote_label)
    # Django names the columns after the two models' names, from_/to_ when they are
    # one name (a model related to itself, or to its namesake in another app).
    if target.name_lower == model.name_lower:
        source, other = f"from_{model.name_lower}_id", f"to_{model.name_lower}_id"
    else:
        source, other = f"{model.name_lower}_id", f"{target.name_lower}_id"
    join = ModelState(
        model.app_label,
        f"{model.name}_{name}",
        {},
        {"db_table": relation.db_table or f"{table_name(model)}_{name}"},
    )
    builder = _TableBuilder(state, join, vendor)
    builder.columns["id"] = Column(
        COLUMN_TYPES["BigAutoField"][_VENDORS.index(vendor)], False, identity=True
    )
    builder.primary_key = ("id",)
    for column, side in ((source, model), (other, target)):
        _pk_name, pk = _pk(side)
        kind = _related_class(_class_name(pk), vendor)
        builder.columns[column] = Column(COLUMN_TYPES[kind][_VENDORS.index(vendor)], False)
        builder.foreign_keys.append(
            ForeignKey(
                (column,),
                table_name(side),
                (column_name(*_pk(side)),),
                "CASCADE",
                deferred=vendor != "mariadb",
            )
        )
        if vendor == "mariadb":
            builder.key_columns.append(column)
        else:
            builder.indexes.append(Index((column,)))
        builder.add_pattern_index(column)
    builder.uniques.append((source, other))
    return {builder.name: builder.table()}
