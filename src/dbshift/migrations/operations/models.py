"""Operations on whole models: create, delete, rename, and their Meta options."""

from __future__ import annotations

import collections
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from dbshift.exceptions import BadMigrationError
from dbshift.migrations.operations.base import (
    Operation,
    OperationCategory,
    allow_migrate_model,
)
from dbshift.migrations.state import ModelState, ProjectState
from dbshift.models.base import normalize_together
from dbshift.models.fields import Field
from dbshift.models.related import RelatedField, make_label

if TYPE_CHECKING:
    from dbshift.backends.base import SchemaEditor

#: Options that AlterModelOptions sets as a whole: a key it omits is removed.
ALTER_OPTION_KEYS = (
    "base_manager_name",
    "default_manager_name",
    "default_related_name",
    "get_latest_by",
    "managed",
    "ordering",
    "permissions",
    "default_permissions",
    "select_on_save",
    "verbose_name",
    "verbose_name_plural",
)


class ModelOperation(Operation):
    """An operation on one model, named ``name``."""

    schema_only: ClassVar[bool] = False
    absorbable: ClassVar[bool] = False
    model_name_arguments: tuple[str, ...] = ("name",)

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name.isidentifier():
            raise BadMigrationError(
                f"{type(self).__name__}: model name {name!r} is not an identifier."
            )
        self.name = name

    @property
    def name_lower(self) -> str:
        return self.name.lower()

    def references_model(self, name: str, app_label: str) -> bool:
        return name.lower() == self.name_lower

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        return super().reduce(operation, app_label) or not (
            operation.references_model(self.name, app_label)
            or self.refers_to_renamed_model(operation, app_label)
        )


class CreateModel(ModelOperation):
    """Create a model's table, with its fields, indexes and constraints."""

    schema_only: ClassVar[bool] = True
    absorbable: ClassVar[bool] = False
    category = OperationCategory.ADDITION

    def __init__(
        self,
        name: str,
        fields: Sequence[tuple[str, Field]],
        options: dict[str, Any] | None = None,
        bases: Sequence[Any] | None = None,
        managers: Sequence[Any] | None = None,
    ) -> None:
        super().__init__(name)
        self.fields = list(fields)
        self.options = dict(options or {})
        self.bases = tuple(bases or ())
        self.managers = tuple(managers or ())
        counts = collections.Counter(field_name for field_name, _ in self.fields)
        duplicates = sorted(field_name for field_name, count in counts.items() if count > 1)
        if duplicates:
            raise BadMigrationError(
                f"CreateModel {name}: field(s) {', '.join(duplicates)} listed twice."
            )

    def deconstruct(self) -> tuple[str, dict[str, Any]]:
        kwargs: dict[str, Any] = {"name": self.name, "fields": self.fields}
        if self.options:
            kwargs["options"] = self.options
        if self.bases:
            kwargs["bases"] = self.bases
        if self.managers:
            kwargs["managers"] = self.managers
        return ("CreateModel", kwargs)

    def declared_fields(self) -> Iterator[tuple[str, str, Field]]:
        for field_name, field in self.fields:
            yield self.name, field_name, field

    def unmanages_model(self) -> bool:
        """Return whether the model created is unmanaged or a proxy: it gets no table."""
        return not self.options.get("managed", True) or bool(self.options.get("proxy", False))

    def model_state(self, app_label: str) -> ModelState:
        """Return the state of the model this operation creates."""
        return ModelState(
            app_label=app_label,
            name=self.name,
            fields=dict(self.fields),
            options=dict(self.options),
            bases=self.bases,
            managers=self.managers,
        )

    @classmethod
    def from_state(cls, model: ModelState) -> CreateModel:
        """Return the operation that creates ``model`` as it is."""
        return cls(
            name=model.name,
            fields=list(model.fields.items()),
            options=dict(model.options),
            bases=model.bases,
            managers=model.managers,
        )

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        state.add_model(self.model_state(app_label))

    def database_forwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = to_state.get_model(app_label, self.name)
        if allow_migrate_model(model):
            editor.create_model(to_state, model)

    def database_backwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = from_state.get_model(app_label, self.name)
        if allow_migrate_model(model):
            editor.delete_model(from_state, model)

    def describe(self) -> str:
        return f"Create {'proxy ' if self.options.get('proxy') else ''}model {self.name}"

    @property
    def migration_name_fragment(self) -> str:
        return self.name_lower

    def references_model(self, name: str, app_label: str) -> bool:
        if name.lower() == self.name_lower:
            return True
        label = make_label(app_label, name) if "." not in name else name.lower()
        return any(
            isinstance(field, RelatedField)
            and (field.to == label or getattr(field, "through", None) == label)
            for _, field in self.fields
        )

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        if isinstance(operation, DeleteModel) and operation.name_lower == self.name_lower:
            return [] if not self.options.get("proxy") else False
        if isinstance(operation, RenameModel) and operation.old_name_lower == self.name_lower:
            # Through the state, so that relations of the model to itself follow it.
            return self._absorb(operation, app_label)
        if _targets_model(operation, self.name_lower) and not isinstance(
            operation, DeleteModel | RenameModel
        ):
            return self._absorb(operation, app_label)
        return super().reduce(operation, app_label)

    def _absorb(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        """Fold a later change of this same model into the model's creation."""
        state = ProjectState()
        self.state_forwards(app_label, state)
        try:
            operation.state_forwards(app_label, state)
        except BadMigrationError:
            return False
        (model,) = state.models.values()
        return [CreateModel.from_state(model)]


def _targets_model(operation: Operation, name_lower: str) -> bool:
    """Return whether ``operation`` changes the model itself (not just refers to it)."""
    if not operation.absorbable:
        return False
    model = getattr(operation, "model_name_lower", None) or getattr(operation, "name_lower", None)
    return model == name_lower


class DeleteModel(ModelOperation):
    """Drop a model's table."""

    schema_only: ClassVar[bool] = True
    absorbable: ClassVar[bool] = False
    category = OperationCategory.REMOVAL

    def deconstruct(self) -> tuple[str, dict[str, Any]]:
        return ("DeleteModel", {"name": self.name})

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        state.remove_model(app_label, self.name)

    def database_forwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = from_state.get_model(app_label, self.name)
        if allow_migrate_model(model):
            editor.delete_model(from_state, model)

    def database_backwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        model = to_state.get_model(app_label, self.name)
        if allow_migrate_model(model):
            editor.create_model(to_state, model)

    def describe(self) -> str:
        return f"Delete model {self.name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"delete_{self.name_lower}"

    def references_model(self, name: str, app_label: str) -> bool:
        # The deleted model may point at any other model through its relations.
        return True


class RenameModel(ModelOperation):
    """Rename a model, and its table when the table name is derived from the model's."""

    schema_only: ClassVar[bool] = True
    absorbable: ClassVar[bool] = False
    category = OperationCategory.ALTERATION
    model_name_arguments = ("old_name", "new_name")

    def __init__(self, old_name: str, new_name: str) -> None:
        super().__init__(old_name)
        if not isinstance(new_name, str) or not new_name.isidentifier():
            raise BadMigrationError(f"RenameModel: new name {new_name!r} is not an identifier.")
        self.old_name = old_name
        self.new_name = new_name

    @property
    def old_name_lower(self) -> str:
        return self.old_name.lower()

    @property
    def new_name_lower(self) -> str:
        return self.new_name.lower()

    def deconstruct(self) -> tuple[str, dict[str, Any]]:
        return ("RenameModel", {"old_name": self.old_name, "new_name": self.new_name})

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        state.rename_model(app_label, self.old_name, self.new_name)

    def database_forwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        old = from_state.get_model(app_label, self.old_name)
        new = to_state.get_model(app_label, self.new_name)
        if allow_migrate_model(new):
            editor.rename_model(from_state, to_state, old, new)

    def database_backwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        old = from_state.get_model(app_label, self.new_name)
        new = to_state.get_model(app_label, self.old_name)
        if allow_migrate_model(new):
            editor.rename_model(from_state, to_state, old, new)

    def describe(self) -> str:
        return f"Rename model {self.old_name} to {self.new_name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"rename_{self.old_name_lower}_{self.new_name_lower}"

    @property
    def renamed_model_names(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self.old_name, self.new_name)

    def references_model(self, name: str, app_label: str) -> bool:
        return name.lower() in (self.old_name_lower, self.new_name_lower)

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        if isinstance(operation, RenameModel) and self.new_name_lower == operation.old_name_lower:
            if self.old_name_lower == operation.new_name_lower:
                return []
            return [RenameModel(self.old_name, operation.new_name)]
        return Operation.reduce(self, operation, app_label) or not (
            operation.references_model(self.old_name, app_label)
            or operation.references_model(self.new_name, app_label)
        )


class ModelOptionOperation(ModelOperation):
    """An operation that sets one kind of Meta option; a later one of the kind wins."""

    schema_only: ClassVar[bool] = False
    absorbable: ClassVar[bool] = False

    def reduce(self, operation: Operation, app_label: str) -> list[Operation] | bool:
        if (
            isinstance(operation, type(self) | DeleteModel)
            and operation.name_lower == self.name_lower
        ):
            return [operation]
        return super().reduce(operation, app_label)


class AlterModelTable(ModelOptionOperation):
    """Rename a model's table to ``table`` (``None``: the default name)."""

    schema_only: ClassVar[bool] = True
    absorbable: ClassVar[bool] = True
    category = OperationCategory.ALTERATION

    def __init__(self, name: str, table: str | None) -> None:
        super().__init__(name)
        self.table = table

    def deconstruct(self) -> tuple[str, dict[str, Any]]:
        return ("AlterModelTable", {"name": self.name, "table": self.table})

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        state.set_model_option(app_label, self.name, "db_table", self.table)

    def database_forwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        old = from_state.get_model(app_label, self.name)
        new = to_state.get_model(app_label, self.name)
        if allow_migrate_model(new):
            editor.alter_db_table(from_state, to_state, old, new)

    database_backwards = database_forwards

    def describe(self) -> str:
        table = self.table if self.table is not None else "(default)"
        return f"Rename table for {self.name} to {table}"

    @property
    def migration_name_fragment(self) -> str:
        return f"alter_{self.name_lower}_table"


class AlterModelTableComment(ModelOptionOperation):
    """Set or clear the comment on a model's table."""

    schema_only: ClassVar[bool] = True
    absorbable: ClassVar[bool] = True
    category = OperationCategory.ALTERATION

    def __init__(self, name: str, table_comment: str | None) -> None:
        super().__init__(name)
        self.table_comment = table_comment

    def deconstruct(self) -> tuple[str, dict[str, Any]]:
        return (
            "AlterModelTableComment",
            {"name": self.name, "table_comment": self.table_comment},
        )

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        state.set_model_option(app_label, self.name, "db_table_comment", self.table_comment)

    def database_forwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        old = from_state.get_model(app_label, self.name)
        new = to_state.get_model(app_label, self.name)
        if allow_migrate_model(new):
            editor.alter_db_table_comment(
                new,
                old.options.get("db_table_comment"),
                new.options.get("db_table_comment"),
            )

    database_backwards = database_forwards

    def describe(self) -> str:
        return f"Alter {self.name} table comment"

    @property
    def migration_name_fragment(self) -> str:
        return f"alter_{self.name_lower}_table_comment"


class AlterModelOptions(ModelOptionOperation):
    """Set Meta options that do not change the schema (ordering, verbose names, ...)."""

    schema_only: ClassVar[bool] = True
    absorbable: ClassVar[bool] = True
    category = OperationCategory.ALTERATION

    def __init__(self, name: str, options: dict[str, Any]) -> None:
        super().__init__(name)
        self.options = dict(options)

    def deconstruct(self) -> tuple[str, dict[str, Any]]:
        return ("AlterModelOptions", {"name": self.name, "options": self.options})

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        state.alter_model_options(app_label, self.name, self.options, ALTER_OPTION_KEYS)

    def database_forwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        pass

    database_backwards = database_forwards

    def describe(self) -> str:
        return f"Change Meta options on {self.name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"alter_{self.name_lower}_options"

    def unmanages_model(self) -> bool:
        """Return whether the options set ``managed``, which may take the table away."""
        return "managed" in self.options


class AlterModelManagers(ModelOptionOperation):
    """Replace the managers a model's state lists; the schema stays as it is."""

    schema_only: ClassVar[bool] = False
    absorbable: ClassVar[bool] = False
    category = OperationCategory.ALTERATION

    def __init__(self, name: str, managers: Sequence[Any]) -> None:
        super().__init__(name)
        self.managers = tuple(managers)

    def deconstruct(self) -> tuple[str, dict[str, Any]]:
        return ("AlterModelManagers", {"name": self.name, "managers": list(self.managers)})

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        model = state.get_model(app_label, self.name)
        state.replace_model(model.replace(managers=self.managers))

    database_forwards = database_backwards = AlterModelOptions.database_forwards

    def describe(self) -> str:
        return f"Change managers on {self.name}"

    @property
    def migration_name_fragment(self) -> str:
        return f"alter_{self.name_lower}_managers"


class AlterTogetherOptionOperation(ModelOptionOperation):
    """Replace one of a model's options that list groups of fields (``option_name``)."""

    schema_only: ClassVar[bool] = False
    absorbable: ClassVar[bool] = False
    category = OperationCategory.ALTERATION
    option_name: ClassVar[str] = ""

    def __init__(self, name: str, groups: Iterable[Iterable[str]] | None) -> None:
        super().__init__(name)
        self.groups = normalize_together(groups)

    def deconstruct(self) -> tuple[str, dict[str, Any]]:
        return (type(self).__name__, {"name": self.name, self.option_name: self.groups})

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        state.set_model_option(app_label, self.name, self.option_name, self.groups or None)

    def database_forwards(
        self,
        app_label: str,
        editor: SchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        old = from_state.get_model(app_label, self.name)
        new = to_state.get_model(app_label, self.name)
        if allow_migrate_model(new):
            getattr(editor, f"alter_{self.option_name}")(old, new)

    database_backwards = database_forwards

    def describe(self) -> str:
        return f"Alter {self.option_name} for {self.name} ({len(self.groups)} constraint(s))"

    @property
    def migration_name_fragment(self) -> str:
        return f"alter_{self.name_lower}_{self.option_name}"

    def references_field(self, model_name: str, name: str, app_label: str) -> bool:
        return self.references_model(model_name, app_label) and (
            not self.groups or any(name in group for group in self.groups)
        )


class AlterUniqueTogether(AlterTogetherOptionOperation):
    """Replace a model's ``unique_together`` sets of fields."""

    schema_only: ClassVar[bool] = True
    absorbable: ClassVar[bool] = True
    option_name = "unique_together"

    def __init__(self, name: str, unique_together: Iterable[Iterable[str]] | None) -> None:
        super().__init__(name, unique_together)

    @property
    def unique_together(self) -> set[tuple[str, ...]]:
        return self.groups


class AlterIndexTogether(AlterTogetherOptionOperation):
    """Replace a model's ``index_together`` groups, which files of older Django versions set.

    Django 5.1 dropped the Meta option but still runs migrations that use it; a
    later ``RenameIndex(old_fields=...)`` turns each group into a named index.
    """

    schema_only: ClassVar[bool] = False
    absorbable: ClassVar[bool] = True
    option_name = "index_together"

    def __init__(self, name: str, index_together: Iterable[Iterable[str]] | None) -> None:
        super().__init__(name, index_together)

    @property
    def index_together(self) -> set[tuple[str, ...]]:
        return self.groups
