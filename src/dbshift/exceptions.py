"""Errors a user can cause.

Every class derives from :class:`DbShiftError`, which the command line prints as
one message without a traceback, and from the builtin exception it resembles, so
that library callers can catch either.
"""

from __future__ import annotations


class DbShiftError(Exception):
    """Base class for mistakes in settings, models, migrations or input."""

    #: Exit status of the command line when this error stops a command.
    exit_code = 1


class ConfigurationError(DbShiftError, ValueError):
    """The settings are missing, malformed or name something that does not exist."""


class AppNotFoundError(DbShiftError, LookupError):
    """An app label given on the command line or in code is not installed."""

    exit_code = 2


class ModelDefinitionError(DbShiftError, TypeError):
    """A model or one of its fields is declared in a way dbshift cannot use."""


class MissingModelsError(DbShiftError, LookupError):
    """An app's models module yields no model while its migrations create some."""


class MigrationLoadError(DbShiftError, ImportError):
    """A migration file cannot be imported or does not define a migration."""


class BadMigrationError(DbShiftError, ValueError):
    """A migration file imports but describes something impossible."""


class NodeNotFoundError(DbShiftError, LookupError):
    """A dependency or target names a migration that does not exist."""


class AmbiguityError(DbShiftError, LookupError):
    """A migration name prefix matches more than one migration."""


class CircularDependencyError(DbShiftError, ValueError):
    """Migration dependencies form a cycle."""


class PlanError(DbShiftError, ValueError):
    """A requested migration plan cannot be carried out as asked."""


class ConflictError(DbShiftError, RuntimeError):
    """An app has more than one leaf migration and needs a merge."""


class InconsistentMigrationHistory(DbShiftError, RuntimeError):
    """A migration is recorded as applied while one it depends on is not."""


class IrreversibleError(DbShiftError, RuntimeError):
    """A backwards plan contains an operation that cannot be undone."""


class SerializationError(DbShiftError, ValueError):
    """A value cannot be written into a migration file."""


class DatabaseConnectionError(DbShiftError, ConnectionError):
    """The database cannot be reached or refuses the credentials."""


class DatabaseReadOnlyError(DbShiftError, PermissionError):
    """The database can be read but not written (file permissions, a replica)."""


class MigrationFailedError(DbShiftError, RuntimeError):
    """An operation failed while a migration ran; the migration was rolled back."""


class DeferredStatementError(MigrationFailedError):
    """A statement an operation put off until after later operations failed."""

    def __init__(self, message: str, operation: object | None) -> None:
        super().__init__(message)
        #: The operation whose statement failed, when known.
        self.operation = operation


class PartlyAppliedError(MigrationFailedError):
    """An interrupted operation left its tables as neither the state before it nor after it."""


class DataLossError(DbShiftError, ValueError):
    """A schema change would cut or drop values that existing rows hold."""


class ModelNotFoundError(DbShiftError, LookupError):
    """A data migration asks for a model that does not exist at its point of the history."""


class ObjectDoesNotExist(DbShiftError, LookupError):
    """A query of a data migration found no row where it needed one.

    Each historical model has its own subclass, ``Model.DoesNotExist``.
    """


class RestrictedError(DbShiftError, RuntimeError):
    """A data migration deletes rows that PROTECT or RESTRICT keys still point at."""


class MultipleObjectsReturned(DbShiftError, LookupError):
    """A query of a data migration found several rows where it needed one.

    Each historical model has its own subclass, ``Model.MultipleObjectsReturned``.
    """


class NotSupportedError(DbShiftError, NotImplementedError):
    """A database cannot do what an operation asks of it."""


class LockTimeoutError(DbShiftError, TimeoutError):
    """Another process held the migration lock for longer than allowed."""


class TableLockTimeoutError(LockTimeoutError):
    """A migration's statement waited for a table lock longer than ``lock_timeout``, every try."""


class FastPathError(DbShiftError, RuntimeError):
    """A fast path of migrate failed where running its migrations one by one works.

    Raised only with ``DBSHIFT_STRICT_FAST_PATHS=1``; otherwise dbshift falls back quietly.
    """


class HistoryChangedError(DbShiftError, RuntimeError):
    """An applied migration was edited or deleted after it was applied."""


class ConcurrentMigrationError(HistoryChangedError):
    """Another process moved the history the other way while a ``migrate`` ran."""


class UserAbort(DbShiftError):
    """The user chose to quit at an interactive question."""

    exit_code = 3


class UnansweredQuestionError(UserAbort):
    """``makemigrations`` must ask whether a field or model was renamed, with nobody to answer."""


class NotMigratedError(DbShiftError, RuntimeError):
    """The database is behind the migrations, or the models are ahead of them."""


class ValidationError(DbShiftError, ValueError):
    """A value fails one of a field's validators (:mod:`dbshift.validators`)."""


class UnknownSettingError(DbShiftError, AttributeError):
    """A migration file reads a setting that dbshift settings do not define."""


class MigrationFilesNotFoundError(DbShiftError, FileNotFoundError):
    """A path given to a command holds no migration files."""

    exit_code = 2
