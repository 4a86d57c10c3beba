"""Turn model states into table specs for one database.

A :class:`SpecBuilder` knows a backend's column types, its field checks, its
features and how it writes values; from a :class:`ModelState` (and the project
state around it, which resolves relations) it builds the :class:`TableSpec` the
table should match. Automatic join tables of many-to-many fields are built as
small models of their own, so they get the same columns, keys and indexes as any
other table.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import sqlalchemy as sa

from dbshift.apps import auto_field_class
from dbshift.backends import names
from dbshift.backends.datatypes import RELATED_TYPES, TypeFactory
from dbshift.backends.expressions import condition
from dbshift.backends.features import Features
from dbshift.backends.functions import expression_sql
from dbshift.backends.spec import (
    CheckSpec,
    ColumnSpec,
    ForeignKeySpec,
    IndexSpec,
    PrimaryKeySpec,
    TableSpec,
)
from dbshift.backends.values import ValueAdapter
from dbshift.exceptions import BadMigrationError, NotSupportedError
from dbshift.migrations.state import ModelState, ProjectState
from dbshift.models.deletion import CASCADE
from dbshift.models.fields import Field
from dbshift.models.functions import OrderBy, RawSQL
from dbshift.models.indexes import BaseConstraint, CheckConstraint, Index, UniqueConstraint
from dbshift.models.query import Q
from dbshift.models.related import ForeignKey, ManyToManyField
from dbshift.utils.deconstruct import deep_deconstruct

#: A field family's own check: the suffix of its name and the condition on the column.
FieldCheck = tuple[str, Callable[[sa.ColumnClause[Any]], sa.ColumnElement[bool]]]


@dataclasses.dataclass(frozen=True)
class FieldParts:
    """What one field puts in its table: its column, checks, key and indexes."""

    column: ColumnSpec
    checks: tuple[CheckSpec, ...]
    foreign_keys: tuple[ForeignKeySpec, ...]
    indexes: tuple[IndexSpec, ...]


class SpecBuilder:
    """Build the table specs of models for one database."""

    def __init__(
        self,
        dialect: sa.Dialect,
        features: Features,
        data_types: Mapping[str, TypeFactory],
        field_checks: Mapping[str, FieldCheck],
        adapter: ValueAdapter,
    ) -> None:
        self.dialect = dialect
        self.features = features
        self.data_types = data_types
        self.field_checks = field_checks
        self.adapter = adapter
        #: Parts built for fields, by field identity, column name and table (see
        #: :meth:`field_parts`); each entry keeps its field, and target model, alive.
        self._parts: dict[tuple[Any, ...], tuple[Field, ModelState | None, FieldParts]] = {}

    # -- Tables ------------------------------------------------------------------------

    @property
    def name_limit(self) -> int:
        """Return the longest name the database keeps, which derived names are cut to."""
        return self.features.max_name_length

    def shorten(self, name: str) -> str:
        """Return ``name`` cut to the database's name limit (see :mod:`.names`)."""
        return names.shorten(name, self.name_limit)

    def table_name(self, model: ModelState) -> str:
        return self.shorten(model.db_table)

    def column_name(self, model: ModelState, field_name: str) -> str:
        """Return the column of field ``field_name``, cut to the name limit like every name."""
        return self.shorten(model.column(field_name))

    def table(self, state: ProjectState, model: ModelState) -> TableSpec:
        """Return the spec of ``model``'s table."""
        table = self.table_name(model)
        columns: list[ColumnSpec] = []
        checks: list[CheckSpec] = []
        foreign_keys: list[ForeignKeySpec] = []
        indexes: list[IndexSpec] = []
        primary_key = None
        for name, field in model.fields.items():
            if not field.concrete:
                continue
            parts = self.field_parts(state, table, name, field)
            column = parts.column
            columns.append(column)
            if column.primary_key:
                pk_name = (
                    names.primary_key_name(table, self.name_limit)
                    if self.features.named_keys
                    else None
                )
                primary_key = PrimaryKeySpec(pk_name, (column.name,), (column.key,))
            checks.extend(parts.checks)
            foreign_keys.extend(parts.foreign_keys)
            indexes.extend(parts.indexes)
        meta_indexes, meta_checks = self.meta_rules(model)
        indexes.extend(meta_indexes)
        checks.extend(meta_checks)
        return TableSpec(
            name=table,
            columns=tuple(columns),
            primary_key=primary_key,
            foreign_keys=tuple(foreign_keys),
            checks=tuple(checks),
            indexes=tuple(indexes),
            comment=model.options.get("db_table_comment"),
        )

    def join_tables(
        self, state: ProjectState, model: ModelState
    ) -> Iterator[tuple[str, TableSpec]]:
        """Yield ``(field name, spec)`` for each automatic join table of ``model``."""
        for name, field in model.fields.items():
            if isinstance(field, ManyToManyField) and field.has_auto_table:
                yield name, self.join_table(state, model, name, field)

    def join_table(
        self, state: ProjectState, model: ModelState, name: str, field: ManyToManyField
    ) -> TableSpec:
        """Return the spec of the join table of ``model.name``, a model of its own."""
        return self.table(state, self.join_model(state, model, name, field))

    def join_model(
        self, state: ProjectState, model: ModelState, name: str, field: ManyToManyField
    ) -> ModelState:
        """Return the model Django would create for the join table of ``model.name``."""
        target = state.get_model_by_label(field.remote_label)
        # Columns are named after the models' names, which two apps may share.
        if target.name_lower == model.name_lower:
            source_column = f"from_{model.name_lower}_id"
            target_column = f"to_{model.name_lower}_id"
        else:
            source_column = f"{model.name_lower}_id"
            target_column = f"{target.name_lower}_id"
        table = field.db_table or names.join_table_name(model.db_table, name, self.name_limit)
        constraint = field.db_constraint

        def link(label: str, column: str) -> ForeignKey:
            column = self.shorten(column)
            return ForeignKey(label, on_delete=CASCADE, db_column=column, db_constraint=constraint)

        return ModelState(
            app_label=model.app_label,
            name=f"{model.name}_{name}",
            fields={
                "id": auto_field_class(model.app_label)(primary_key=True, auto_created=True),
                "from": link(model.label_lower, source_column),
                "to": link(target.label_lower, target_column),
            },
            options={"db_table": table, "unique_together": {("from", "to")}},
        )

    # -- Columns -----------------------------------------------------------------------

    def field_parts(self, state: ProjectState, table: str, name: str, field: Field) -> FieldParts:
        """Return the column of field ``name`` in ``table`` and what comes with it.

        A table's spec is built several times per migration, before and after each
        change, and mostly from the same field objects: states share the fields of
        the models they do not change. What a field brings depends only on the
        field, its name, its table and, for a key, the model it points at (a model
        state never changes), so it is built once per combination. A key to a
        field that is itself a key is built each time.
        """
        target = None
        if field.is_relation:
            target, _name, target_field = self.target(state, field)
            if target_field.is_relation:
                return self._build_field_parts(state, table, name, field)
        key = (id(field), name, table, id(target))
        cached = self._parts.get(key)
        if cached is not None and cached[0] is field and cached[1] is target:
            return cached[2]
        parts = self._build_field_parts(state, table, name, field)
        self._parts[key] = (field, target, parts)
        return parts

    def _build_field_parts(
        self, state: ProjectState, table: str, name: str, field: Field
    ) -> FieldParts:
        column = self.column(state, name, field)
        return FieldParts(
            column=column,
            checks=tuple(self._field_checks(table, column, field)),
            foreign_keys=tuple(self._foreign_keys(state, table, column, field)),
            indexes=tuple(self._field_indexes(table, column, field)),
        )

    def column(self, state: ProjectState, name: str, field: Field) -> ColumnSpec:
        """Return the column of field ``name``."""
        type_, value_field = self.column_type(state, field)
        default = None
        if field.has_db_default():
            default = self.adapter.literal(value_field, field.db_default)
        return ColumnSpec(
            key=name,
            name=self.shorten(field.column_name(name)),
            type=type_,
            type_sql=self.type_sql(type_),
            nullable=bool(field.null) and not field.primary_key,
            primary_key=bool(field.primary_key),
            identity=field.auto_increments and bool(field.primary_key),
            default_sql=default,
            comment=field.db_comment,
            value_field=value_field,
        )

    def type_sql(self, type_: sa.types.TypeEngine[Any]) -> str:
        return self.dialect.type_compiler_instance.process(type_)

    def column_type(
        self, state: ProjectState, field: Field, related: bool = False
    ) -> tuple[sa.types.TypeEngine[Any], Field]:
        """Return the column type of ``field`` and the field that formats its values.

        A foreign key takes the type of the field it points at, as that field's
        related type (an automatic key becomes a plain integer).
        """
        if field.is_relation and not field.many_to_many:
            _model, _name, target = self.target(state, field)
            return self.column_type(state, target, related=True)
        internal = field.internal_type
        if related and not self.features.related_fields_match_type:
            internal = RELATED_TYPES.get(internal, internal)
        factory = self.data_types.get(internal)
        if factory is None:
            raise NotSupportedError(
                f"{type(field).__name__} (internal type {field.internal_type!r}) has no column "
                f"type on {self.dialect.name}; set internal_type to a supported field family."
            )
        return factory(field), field

    def target(self, state: ProjectState, field: Any) -> tuple[ModelState, str, Field]:
        """Return the model, field name and field that relation ``field`` points at."""
        model = state.get_model_by_label(field.remote_label)
        found = model.find_field_by_attname(field.to_field or model.pk_name)
        if found is None:
            raise BadMigrationError(
                f"Relation to {model.label_lower}.{field.to_field} names no field of that model."
            )
        return model, found[0], found[1]

    # -- What a field brings besides its column -----------------------------------------

    def _constraint_scope(self, table: str) -> str:
        """Return the table part of a derived key or check name: empty where names are
        per table (they then survive a table rename), the table where they are per schema."""
        return table if self.features.constraint_names_per_schema else ""

    def _field_checks(self, table: str, column: ColumnSpec, field: Field) -> list[CheckSpec]:
        check = self.field_checks.get(field.internal_type)
        if check is None:
            return []
        suffix, build = check
        return [
            CheckSpec(
                name=names.derived_name(
                    self._constraint_scope(table), [column.name], suffix, self.name_limit
                ),
                sql=self.adapter.compile(build(sa.column(column.name))),
                column=column.name,
                identity=("field", column.key, suffix),
            )
        ]

    def _foreign_keys(
        self, state: ProjectState, table: str, column: ColumnSpec, field: Any
    ) -> list[ForeignKeySpec]:
        if not field.is_relation or field.many_to_many or not field.db_constraint:
            return []
        model, name, _field = self.target(state, field)
        on_delete = getattr(field.on_delete, "sql_action", None)
        return [
            ForeignKeySpec(
                name=names.derived_name(
                    self._constraint_scope(table), [column.name], "fk", self.name_limit
                )
                if self.features.named_keys
                else None,
                column=column.name,
                key=column.key,
                to_table=self.table_name(model),
                to_column=self.column_name(model, name),
                target=(model.label_lower, name),
                on_delete=on_delete,
                type_sql=column.type_sql,
            )
        ]

    def _field_indexes(self, table: str, column: ColumnSpec, field: Field) -> list[IndexSpec]:
        return [*self._field_rule(table, column, field), *self._pattern_index(table, column, field)]

    def _field_rule(self, table: str, column: ColumnSpec, field: Field) -> list[IndexSpec]:
        if field.primary_key:
            return []
        if field.unique:
            return [self._unique(table, (column.name,), (column.key,))]
        if field.db_index:
            name = names.django_index_name(table, [column.name], "", self.name_limit)
            return [IndexSpec(name=name, columns=(column.name,), keys=(column.key,))]
        return []

    def _pattern_index(self, table: str, column: ColumnSpec, field: Field) -> list[IndexSpec]:
        """Return the index that serves ``LIKE 'abc%'`` on an indexed text column.

        Where the database wants one (:attr:`Features.pattern_ops_indexes`), an
        indexed, unique or primary key ``varchar``/``text`` column gets a second
        index with the pattern operator class, named as Django names it: outside
        the C locale the column's own index cannot serve prefix searches.
        A column with its own collation gets none, as it may not be deterministic,
        which these operator classes need.
        """
        if not self.features.pattern_ops_indexes:
            return []
        if not (field.db_index or field.unique or field.primary_key):
            return []
        opclass = _pattern_opclass(column.type_sql)
        if opclass is None or getattr(column.value_field, "db_collation", None):
            return []
        return [
            IndexSpec(
                name=names.django_index_name(table, [column.name], "_like", self.name_limit),
                columns=(column.name,),
                keys=(column.key,),
                opclasses=(opclass,),
            )
        ]

    def _unique(self, table: str, columns: tuple[str, ...], keys: tuple[str, ...]) -> IndexSpec:
        return IndexSpec(
            name=names.django_index_name(table, columns, "_uniq", self.name_limit),
            columns=columns,
            keys=keys,
            unique=True,
            constraint=self.features.unique_constraints,
        )

    # -- Meta options ----------------------------------------------------------------------

    def meta_rules(self, model: ModelState) -> tuple[list[IndexSpec], list[CheckSpec]]:
        """Return the indexes and checks ``model``'s options declare, not its fields."""
        indexes = [*self.unique_together(model), *self.index_together(model)]
        indexes.extend(self.index(model, index) for index in model.indexes)
        checks = []
        for constraint in model.constraints:
            built = self.constraint(model, constraint)
            if isinstance(built, CheckSpec):
                checks.append(built)
            else:
                indexes.append(built)
        return indexes, checks

    def unique_together(self, model: ModelState) -> list[IndexSpec]:
        """Return the unique rules of ``model.unique_together``, in a stable order."""
        table = self.table_name(model)
        return [
            self._unique(table, tuple(self.column_name(model, name) for name in group), group)
            for group in sorted(model.unique_together)
        ]

    def index_together(self, model: ModelState) -> list[IndexSpec]:
        """Return the indexes of ``model.index_together`` (old Django files), in a stable order."""
        return [
            self.index(model, Index(fields=list(group))) for group in sorted(model.index_together)
        ]

    def index(self, model: ModelState, index: Index) -> IndexSpec:
        """Return the spec of a ``Meta.indexes`` entry."""
        columns = tuple(self.column_name(model, name) for name in index.field_names)
        covering = self.features.supports_covering_indexes
        include = tuple(self.column_name(model, name) for name in index.include) if covering else ()
        return IndexSpec(
            name=self.shorten(index.name)
            if index.name
            else names.derived_name(self.table_name(model), columns, "idx", self.name_limit),
            columns=columns,
            keys=tuple(index.field_names),
            descending=tuple(order == "DESC" for order in index.orders),
            where=self.condition_sql(model, index.condition),
            where_identity=deep_deconstruct(index.condition),
            include=include,
            include_keys=tuple(index.include) if covering else (),
            opclasses=tuple(index.opclasses) if covering else (),
            expressions=self.expressions_sql(model, index.expressions),
            given_name=bool(index.name),
        )

    def expressions_sql(self, model: ModelState, expressions: list[Any]) -> tuple[str, ...]:
        """Return each expression of an index as its SQL, in parentheses, with its order."""
        parts = []
        for expression in expressions:
            descending = isinstance(expression, OrderBy) and expression.descending
            inner = expression.expression if isinstance(expression, OrderBy) else expression
            sql = self.adapter.compile(
                expression_sql(inner, self._literal_constant, self._model_columns(model))
            )
            parts.append(f"({sql})" + (" DESC" if descending else ""))
        return tuple(parts)

    def _literal_constant(self, value: Any) -> sa.ColumnElement[Any]:
        return sa.literal_column(self.adapter.literal(None, value))

    def _model_columns(self, model: ModelState) -> Callable[[str], sa.ColumnClause[Any]]:
        def column(name: str) -> sa.ColumnClause[Any]:
            found = model.find_field_by_attname(name)
            if found is None:
                raise BadMigrationError(
                    f"An expression refers to {name!r}, which is not a field of "
                    f"{model.app_label}.{model.name}."
                )
            return sa.column(self.shorten(found[1].column_name(found[0])))

        return column

    def constraint(self, model: ModelState, constraint: BaseConstraint) -> CheckSpec | IndexSpec:
        """Return the spec of a ``Meta.constraints`` entry."""
        if isinstance(constraint, CheckConstraint):
            return CheckSpec(
                name=self.shorten(constraint.name),
                sql=self.condition_sql(model, constraint.condition) or "",
                identity=("meta", deep_deconstruct(constraint.condition)),
                given_name=True,
            )
        if isinstance(constraint, UniqueConstraint):
            return self._unique_constraint(model, constraint)
        raise NotSupportedError(
            f"Constraint {constraint.name!r} ({type(constraint).__name__}) is not supported."
        )

    def _unique_constraint(self, model: ModelState, constraint: UniqueConstraint) -> IndexSpec:
        features = self.features
        if constraint.expressions:
            # Only a unique index can be over expressions, on both databases.
            return IndexSpec(
                name=self.shorten(constraint.name),
                columns=(),
                keys=(),
                unique=True,
                where=self.condition_sql(model, constraint.condition),
                where_identity=deep_deconstruct(constraint.condition),
                nulls_distinct=constraint.nulls_distinct
                if features.supports_nulls_distinct
                else None,
                expressions=self.expressions_sql(model, constraint.expressions),
            )
        columns = tuple(self.column_name(model, name) for name in constraint.fields)
        covering = features.supports_covering_indexes
        deferrable = constraint.deferrable.value if constraint.deferrable else None
        return IndexSpec(
            name=self.shorten(constraint.name),
            columns=columns,
            keys=tuple(constraint.fields),
            unique=True,
            constraint=features.unique_constraints
            and constraint.condition is None
            and not (constraint.opclasses and covering),
            where=self.condition_sql(model, constraint.condition),
            where_identity=deep_deconstruct(constraint.condition),
            deferrable=deferrable if features.supports_deferrable_unique else None,
            nulls_distinct=constraint.nulls_distinct if features.supports_nulls_distinct else None,
            include=tuple(self.column_name(model, name) for name in constraint.include)
            if covering
            else (),
            include_keys=tuple(constraint.include) if covering else (),
            opclasses=tuple(constraint.opclasses) if covering else (),
            given_name=True,
        )

    def condition_sql(self, model: ModelState, q: Q | RawSQL | None) -> str | None:
        """Return condition ``q`` over ``model``'s columns as SQL with inlined values."""
        if q is None:
            return None
        if isinstance(q, RawSQL):
            return q.sql

        def field_of(name: str) -> tuple[str, Field]:
            found = model.find_field_by_attname(name)
            if found is None:
                raise BadMigrationError(
                    f"Condition {q!r} refers to {name!r}, which is not a field of "
                    f"{model.app_label}.{model.name}."
                )
            return found

        def value(name: str, raw: Any) -> sa.ColumnElement[Any]:
            return sa.literal_column(self.adapter.literal(field_of(name)[1], raw))

        return self.adapter.compile(condition(q, self._model_columns(model), value))


def _pattern_opclass(type_sql: str) -> str | None:
    """Return the pattern operator class of a ``varchar`` or ``text`` column type."""
    kind = type_sql.lower()
    if "[" in kind:
        return None
    if kind.startswith(("varchar", "character varying")):
        return "varchar_pattern_ops"
    if kind.startswith("text"):
        return "text_pattern_ops"
    return None
