"""Every operation a migration file can use."""

from dbshift.migrations.operations.base import Operation, OperationCategory
from dbshift.migrations.operations.concurrent import (
    AddConstraintNotValid,
    AddIndexConcurrently,
    RemoveIndexConcurrently,
    ValidateConstraint,
)
from dbshift.migrations.operations.fields import (
    AddField,
    AlterField,
    RemoveField,
    RenameField,
)
from dbshift.migrations.operations.indexes import (
    AddConstraint,
    AddIndex,
    RemoveConstraint,
    RemoveIndex,
    RenameIndex,
)
from dbshift.migrations.operations.models import (
    AlterIndexTogether,
    AlterModelManagers,
    AlterModelOptions,
    AlterModelTable,
    AlterModelTableComment,
    AlterUniqueTogether,
    CreateModel,
    DeleteModel,
    RenameModel,
)
from dbshift.migrations.operations.special import (
    RunPython,
    RunSQL,
    SeparateDatabaseAndState,
)

__all__ = [
    "AddConstraint",
    "AddConstraintNotValid",
    "AddField",
    "AddIndex",
    "AddIndexConcurrently",
    "AlterField",
    "AlterIndexTogether",
    "AlterModelManagers",
    "AlterModelOptions",
    "AlterModelTable",
    "AlterModelTableComment",
    "AlterUniqueTogether",
    "CreateModel",
    "DeleteModel",
    "Operation",
    "OperationCategory",
    "RemoveConstraint",
    "RemoveField",
    "RemoveIndex",
    "RemoveIndexConcurrently",
    "RenameField",
    "RenameIndex",
    "RenameModel",
    "RunPython",
    "RunSQL",
    "SeparateDatabaseAndState",
    "ValidateConstraint",
]
