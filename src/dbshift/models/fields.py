"""Model fields: Django's field API, as plain declarations of columns.

A field is its class plus its options. It never talks to a database: the backends
decide which column type and SQL a field becomes. ``deconstruct()`` gives the
class path and the options that differ from their defaults, which is what
migration files contain and what states compare.
"""

from __future__ import annotations

import copy
import datetime
import decimal
import ipaddress
import uuid
from typing import Any, ClassVar

from dbshift.exceptions import ModelDefinitionError


class NOT_PROVIDED:
    """Marks an option, such as ``default``, that was not given."""


#: Options that describe behaviour in Python only; they never cause SQL, and a change
#: to them alone is not a change of the schema.
NON_DB_OPTIONS = frozenset(
    {
        "auto_created",
        "blank",
        "choices",
        "editable",
        "error_messages",
        "help_text",
        "limit_choices_to",
        "related_query_name",
        "serialize",
        "unique_for_date",
        "unique_for_month",
        "unique_for_year",
        "validators",
        "verbose_name",
    }
)

_COMMON_OPTIONS: dict[str, Any] = {
    "verbose_name": None,
    "primary_key": False,
    "max_length": None,
    "unique": False,
    "blank": False,
    "null": False,
    "db_index": False,
    "default": NOT_PROVIDED,
    "db_default": NOT_PROVIDED,
    "editable": True,
    "serialize": True,
    "unique_for_date": None,
    "unique_for_month": None,
    "unique_for_year": None,
    "choices": None,
    "help_text": "",
    "db_column": None,
    "db_comment": None,
    "db_tablespace": None,
    "auto_created": False,
    "validators": (),
    "error_messages": None,
}


#: The longest ``max_length`` every supported database accepts: PostgreSQL's
#: ``varchar(n)`` stops at 10485760 characters. Longer text belongs in a TextField.
MAX_CHAR_LENGTH = 10_485_760
#: The most digits every supported database accepts in a decimal: PostgreSQL's
#: ``numeric`` precision stops at 1000.
MAX_DECIMAL_DIGITS = 1000


class Field:
    """A column of a model's table, declared by its options."""

    #: Options this class accepts beyond the common ones, or common ones whose
    #: default differs here, mapped to the value that means "not given".
    extra_options: ClassVar[dict[str, Any]] = {}
    #: Option names that may be passed positionally, in order.
    positional: ClassVar[tuple[str, ...]] = ("verbose_name", "name")
    #: Options that may not be set on this class, with the value they always have.
    fixed_options: ClassVar[dict[str, Any]] = {}
    #: The field family the backends map to a column type.
    internal_type: ClassVar[str] = "Field"
    #: Whether the empty string is a valid value; a blank such field fills new
    #: NOT NULL columns with "" instead of asking for a default.
    empty_strings_allowed: ClassVar[bool] = True

    is_relation: ClassVar[bool] = False
    many_to_many: ClassVar[bool] = False
    auto_increments: ClassVar[bool] = False

    _all_options: ClassVar[dict[str, Any]] = dict(_COMMON_OPTIONS)

    # The common options: class attributes set by _install_defaults, instance
    # attributes where a declaration gives them. Declared for type checkers.
    verbose_name: str | None
    primary_key: bool
    max_length: Any
    unique: bool
    blank: bool
    null: bool
    db_index: bool
    default: Any
    db_default: Any
    editable: bool
    serialize: bool
    unique_for_date: str | None
    unique_for_month: str | None
    unique_for_year: str | None
    choices: Any
    help_text: str
    db_column: str | None
    db_comment: str | None
    db_tablespace: str | None
    auto_created: bool
    validators: Any
    error_messages: dict[str, str] | None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        options = dict(_COMMON_OPTIONS)
        for klass in reversed(cls.__mro__):
            options.update(klass.__dict__.get("extra_options", {}))
            for name in klass.__dict__.get("fixed_options", {}):
                options.pop(name, None)
        cls._all_options = options
        _install_defaults(cls)
        if "internal_type" not in cls.__dict__ and cls.__module__ == __name__:
            cls.internal_type = cls.__name__

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if len(args) > len(self.positional):
            raise TypeError(
                f"{type(self).__name__}() takes at most {len(self.positional)} "
                f"positional arguments ({', '.join(self.positional)}), got {len(args)}"
            )
        for name, value in zip(self.positional, args, strict=False):
            if name in kwargs:
                raise TypeError(f"{type(self).__name__}() got two values for {name!r}")
            kwargs[name] = value
        # Django lets ``name`` repeat the attribute name; the attribute is what counts.
        kwargs.pop("name", None)
        if not self._all_options.keys() >= kwargs.keys():
            unknown = sorted(set(kwargs) - set(self._all_options))
            raise TypeError(
                f"{type(self).__name__}() got unexpected option(s): {', '.join(unknown)}"
            )
        # Options not given are class attributes (see _install_defaults); an instance
        # holds only what its declaration says, which keeps fields cheap to build.
        self.__dict__.update(kwargs)
        if self.choices is not None and not isinstance(self.choices, list | tuple | dict):
            self.choices = list(self.choices)
        if "validators" in kwargs:
            self.validators = list(self.validators)
        self.name: str | None = None
        self.model: type | None = None

    # -- Declaration -----------------------------------------------------------------

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        """Return the import path, positional and keyword arguments to rebuild this field."""
        kwargs: dict[str, Any] = {}
        options = self._all_options
        for name, value in self.__dict__.items():
            if name in options and not _same_option_value(value, options[name]):
                kwargs[name] = value
        return (self.import_path(), (), kwargs)

    @classmethod
    def import_path(cls) -> str:
        """Return the path migration files use to name this class."""
        if cls.__module__.startswith("dbshift.models"):
            return f"dbshift.models.{cls.__qualname__}"
        return f"{cls.__module__}.{cls.__qualname__}"

    def clone(self) -> Field:
        """Return an unbound copy built from this field's deconstruction."""
        _path, args, kwargs = self.deconstruct()
        return type(self)(*args, **copy.copy(kwargs))

    def bind(self, model: type, name: str) -> None:
        """Attach this field to the model class that declares it under ``name``."""
        self.model = model
        self.name = name

    def check(self, model_label: str, name: str) -> None:
        """Raise :class:`ModelDefinitionError` when the declaration cannot work.

        Models run it when their class is defined, and migrations when their file
        loads, so that no database sees a column it would refuse (or, worse, accept
        with values of the wrong type, as SQLite does).
        """
        check_field_name(model_label, name)
        self._check_flags(f"{model_label}.{name}")
        if self.primary_key and self.null:
            raise ModelDefinitionError(
                f"{model_label}.{name}: a primary key cannot be null; remove null=True."
            )
        if self.db_column is not None and not (isinstance(self.db_column, str) and self.db_column):
            raise ModelDefinitionError(
                f"{model_label}.{name}: db_column must be a non-empty string."
            )
        self._check_default(f"{model_label}.{name}")

    def _check_flags(self, where: str) -> None:
        """Refuse a non-boolean value for an option whose default is True or False."""
        for option, default in self._all_options.items():
            value = getattr(self, option)
            if isinstance(default, bool) and not isinstance(value, bool):
                raise ModelDefinitionError(
                    f"{where}: {option} must be True or False, not {value!r}."
                )

    def _check_default(self, where: str) -> None:
        """Refuse a fixed ``default`` that is not a value of this field's type."""
        if not self.has_default() or self.default is None or callable(self.default):
            return
        try:
            self.to_python(self.default)
        except (TypeError, ValueError, ArithmeticError) as err:
            raise ModelDefinitionError(
                f"{where}: default {self.default!r} is not a valid {type(self).__name__} "
                f"value ({err}); give a default of the field's type, or none."
            ) from err

    def to_python(self, value: Any) -> Any:
        """Return ``value`` as this field's Python type; raise if it is not one."""
        return value

    # -- Schema facts the backends use ----------------------------------------------

    def attname(self, name: str) -> str:
        """Return the attribute that holds the stored value when the field is ``name``."""
        return name

    def column_name(self, name: str) -> str:
        """Return the column this field stores under when its model calls it ``name``."""
        return self.db_column or self.attname(name)

    def has_default(self) -> bool:
        """Return whether a Python ``default`` was given."""
        return self.default is not NOT_PROVIDED

    def has_db_default(self) -> bool:
        """Return whether a database default (``db_default``) was given."""
        return self.db_default is not NOT_PROVIDED

    def get_default(self) -> Any:
        """Return the Python default, calling it when it is a callable."""
        if callable(self.default):
            return self.default()
        return self.default

    def effective_default(self) -> Any:
        """Return the value that fills existing rows when this column is added.

        Django's rule: the default if there is one, else ``None`` for nullable
        columns, else an empty value for blank fields that allow it.
        """
        if self.has_default():
            value = self.get_default()
            return value if value is None else self.to_python(value)
        if self.null:
            return None
        if self.blank and self.empty_strings_allowed:
            return self.empty_value()
        return None

    def empty_value(self) -> Any:
        """Return the empty value of this type, used for blank non-null columns."""
        return ""

    def fills_existing_rows(self) -> bool:
        """Return whether adding this column gives the rows already there a value.

        A NOT NULL column with no default of any kind gives them none, and the
        database refuses it on a table with rows.
        """
        if self.has_default() or self.has_db_default() or self.null or self.auto_increments:
            return True
        return not self.concrete or self.effective_default() is not None

    @property
    def concrete(self) -> bool:
        """Return whether this field is a column of its model's own table."""
        return not self.many_to_many

    def __repr__(self) -> str:
        label = f"{self.model.__name__}.{self.name}" if self.model and self.name else ""
        return f"<{type(self).__name__}{' ' + label if label else ''}>"


def check_field_name(model_label: str, name: str) -> None:
    """Refuse names that Django's queries cannot tell from lookups (``a__b``, ``pk``)."""
    if name.endswith("_") or "__" in name or name == "pk":
        raise ModelDefinitionError(
            f"{model_label}.{name}: field names may not end with '_', contain '__' or be "
            "'pk'; rename the field."
        )


def _install_defaults(cls: type[Field]) -> None:
    """Make every option's default, and each fixed option, a class attribute."""
    for name, default in cls._all_options.items():
        setattr(cls, name, default)
    for name, value in cls.__dict__.get("fixed_options", {}).items():
        setattr(cls, name, value)


_install_defaults(Field)


def _same_option_value(value: Any, default: Any) -> bool:
    if value is default:
        return True
    if isinstance(default, tuple) and isinstance(value, list | tuple):
        return tuple(value) == default
    if default is NOT_PROVIDED or value is NOT_PROVIDED:
        return False
    return type(value) is type(default) and value == default


# -- Automatic primary keys ----------------------------------------------------------


class AutoFieldMixin:
    """A primary key the database numbers itself."""

    auto_increments = True
    empty_strings_allowed = False

    def check(self, model_label: str, name: str) -> None:
        super().check(model_label, name)  # type: ignore[misc]
        if not self.primary_key:  # type: ignore[attr-defined]
            raise ModelDefinitionError(
                f"{model_label}.{name}: {type(self).__name__} must set primary_key=True."
            )


class IntegerField(Field):
    empty_strings_allowed = False
    #: The smallest and largest value the column type holds on every database.
    value_range: ClassVar[tuple[int, int]] = (-(2**31), 2**31 - 1)

    def to_python(self, value: Any) -> Any:
        number = _whole_number(value)
        low, high = self.value_range
        if not low <= number <= high:
            raise ValueError(f"outside {low}..{high}")
        return number

    def empty_value(self) -> Any:
        return 0


def _whole_number(value: Any) -> int:
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return int(value.strip())
    if isinstance(value, float | decimal.Decimal) and value == int(value):
        return int(value)
    raise TypeError(f"{type(value).__name__} {value!r} is not a whole number")


class BigIntegerField(IntegerField):
    value_range = (-(2**63), 2**63 - 1)


class SmallIntegerField(IntegerField):
    value_range = (-(2**15), 2**15 - 1)


class PositiveIntegerField(IntegerField):
    value_range = (0, 2**31 - 1)


class PositiveBigIntegerField(IntegerField):
    value_range = (0, 2**63 - 1)


class PositiveSmallIntegerField(IntegerField):
    value_range = (0, 2**15 - 1)


class AutoField(AutoFieldMixin, IntegerField):
    pass


class BigAutoField(AutoFieldMixin, BigIntegerField):
    pass


class SmallAutoField(AutoFieldMixin, SmallIntegerField):
    pass


# -- Text ------------------------------------------------------------------------------


class CharField(Field):
    extra_options = {"db_collation": None}

    def check(self, model_label: str, name: str) -> None:
        super().check(model_label, name)
        if not isinstance(self.max_length, int) or isinstance(self.max_length, bool):
            raise ModelDefinitionError(
                f"{model_label}.{name}: {type(self).__name__} needs max_length, "
                "a positive integer; add e.g. max_length=200."
            )
        if self.max_length <= 0:
            raise ModelDefinitionError(
                f"{model_label}.{name}: max_length must be positive, not {self.max_length}."
            )
        if self.max_length > MAX_CHAR_LENGTH:
            raise ModelDefinitionError(
                f"{model_label}.{name}: max_length {self.max_length} is more than the "
                f"{MAX_CHAR_LENGTH} characters PostgreSQL allows; use a TextField."
            )

    def to_python(self, value: Any) -> Any:
        text = _text(value)
        if len(text) > self.max_length:
            raise ValueError(f"{len(text)} characters, more than max_length={self.max_length}")
        return text


def _text(value: Any) -> str:
    # Text fields store any value as its text, as Django's do: one-off defaults typed
    # at makemigrations' prompt (``default=0`` on a CharField) are common in real histories.
    return value if isinstance(value, str) else str(value)


class TextField(Field):
    extra_options = {"db_collation": None}

    def to_python(self, value: Any) -> Any:
        return _text(value)


class SlugField(CharField):
    extra_options = {"max_length": 50, "db_index": True, "allow_unicode": False}


class EmailField(CharField):
    extra_options = {"max_length": 254}


class URLField(CharField):
    extra_options = {"max_length": 200, "assume_scheme": None}


class GenericIPAddressField(Field):
    extra_options = {"protocol": "both", "unpack_ipv4": False}
    fixed_options = {"max_length": 39}

    def to_python(self, value: Any) -> Any:
        return str(ipaddress.ip_address(_text(value)))

    def empty_value(self) -> Any:
        return None


# -- Numbers, booleans, binary ----------------------------------------------------------


class FloatField(Field):
    empty_strings_allowed = False

    def to_python(self, value: Any) -> Any:
        if not isinstance(value, int | float | decimal.Decimal | str):
            raise TypeError(f"{type(value).__name__} is not a number")
        return float(value)

    def empty_value(self) -> Any:
        return 0.0


class DecimalField(Field):
    extra_options = {"max_digits": None, "decimal_places": None}
    max_digits: Any
    decimal_places: Any
    positional = ("verbose_name", "name", "max_digits", "decimal_places")
    empty_strings_allowed = False

    def check(self, model_label: str, name: str) -> None:
        # The digits come first: checking the default needs them.
        where = f"{model_label}.{name}"
        for option, least in (("max_digits", 1), ("decimal_places", 0)):
            value = getattr(self, option)
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                kind = "a positive" if least else "a non-negative"
                raise ModelDefinitionError(
                    f"{where}: DecimalField needs {option}, {kind} integer; add e.g. "
                    "max_digits=10, decimal_places=2."
                )
        if self.max_digits > MAX_DECIMAL_DIGITS:
            raise ModelDefinitionError(
                f"{where}: max_digits {self.max_digits} is more than the "
                f"{MAX_DECIMAL_DIGITS} digits PostgreSQL allows; use fewer, or a FloatField."
            )
        if self.decimal_places > self.max_digits:
            raise ModelDefinitionError(
                f"{where}: decimal_places ({self.decimal_places}) cannot "
                f"exceed max_digits ({self.max_digits})."
            )
        super().check(model_label, name)

    def to_python(self, value: Any) -> Any:
        if not isinstance(value, int | float | decimal.Decimal | str):
            raise TypeError(f"{type(value).__name__} is not a number")
        number = decimal.Decimal(str(value).strip())
        if not number.is_finite():
            raise ValueError("not a finite number")
        whole_digits = self.max_digits - self.decimal_places
        if number.adjusted() < whole_digits:
            with decimal.localcontext() as context:
                context.prec = 2 * MAX_DECIMAL_DIGITS + 1
                stored = number.quantize(decimal.Decimal(1).scaleb(-self.decimal_places))
            if stored.adjusted() < whole_digits:
                return stored
        raise ValueError(f"more than {whole_digits} digits before the point")

    def empty_value(self) -> Any:
        return decimal.Decimal(0)


#: The text values Django's BooleanField takes for True and False.
BOOLEAN_TEXTS = {"t": True, "True": True, "1": True, "f": False, "False": False, "0": False}


class BooleanField(Field):
    empty_strings_allowed = False

    def to_python(self, value: Any) -> Any:
        # Django's spellings are taken; others such as "false" are refused rather than
        # guessed: bool("false") is True.
        if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
            return bool(value)
        if value in BOOLEAN_TEXTS:
            return BOOLEAN_TEXTS[value]
        raise TypeError(f"{type(value).__name__} {value!r} is not True or False")

    def empty_value(self) -> Any:
        return False


class BinaryField(Field):
    extra_options = {"editable": False}

    def to_python(self, value: Any) -> Any:
        if not isinstance(value, bytes | bytearray | memoryview):
            raise TypeError(f"{type(value).__name__} is not bytes; write b'...'")
        return bytes(value)

    def empty_value(self) -> Any:
        return b""


# -- Dates and times ----------------------------------------------------------------------


class DateField(Field):
    extra_options = {"auto_now": False, "auto_now_add": False}
    auto_now: bool
    auto_now_add: bool
    empty_strings_allowed = False

    def effective_default(self) -> Any:
        if (self.auto_now or self.auto_now_add) and not self.has_default():
            return self.now()
        return super().effective_default()

    def now(self) -> Any:
        return datetime.date.today()

    def to_python(self, value: Any) -> Any:
        if isinstance(value, datetime.date):
            return value
        return datetime.date.fromisoformat(_text(value))


class DateTimeField(DateField):
    #: ``db_timezone=False`` stores naive times (PostgreSQL's ``timestamp without time
    #: zone``), as SQLAlchemy's ``DateTime()`` does; Django's datetimes keep the zone.
    extra_options = {"db_timezone": True}

    def now(self) -> Any:
        return datetime.datetime.now(datetime.UTC)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, datetime.date):
            return value
        return datetime.datetime.fromisoformat(_text(value))


class TimeField(DateField):
    def now(self) -> Any:
        return datetime.datetime.now(datetime.UTC).time().replace(tzinfo=None)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, datetime.time):
            return value
        return datetime.time.fromisoformat(_text(value))


class DurationField(Field):
    empty_strings_allowed = False

    def to_python(self, value: Any) -> Any:
        if not isinstance(value, datetime.timedelta):
            raise TypeError(f"{type(value).__name__} is not a datetime.timedelta")
        return value

    def empty_value(self) -> Any:
        return datetime.timedelta(0)


# -- Structured values ----------------------------------------------------------------------


class UUIDField(Field):
    fixed_options = {"max_length": 32}
    empty_strings_allowed = False

    def to_python(self, value: Any) -> Any:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(_text(value))

    def empty_value(self) -> Any:
        return uuid.UUID(int=0)


class JSONField(Field):
    extra_options = {"encoder": None, "decoder": None}
    empty_strings_allowed = False

    def empty_value(self) -> Any:
        return None
