"""Field validators: Django's ``django.core.validators``, for models and migration files.

A validator checks one value in Python and raises :class:`ValidationError` when
it is wrong; none of them changes the schema. Fields keep them so that a model
and its history agree, and the writer writes each one back as the call that
built it (``dbshift.validators.MinValueValidator(1)``).
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from collections.abc import Callable, Sequence
from typing import Any

from dbshift.exceptions import ValidationError
from dbshift.utils.deconstruct import deconstructible

__all__ = [
    "ASCIIUsernameValidator",
    "DecimalValidator",
    "EmailValidator",
    "FileExtensionValidator",
    "MaxLengthValidator",
    "MaxValueValidator",
    "MinLengthValidator",
    "MinValueValidator",
    "ProhibitNullCharactersValidator",
    "RegexValidator",
    "StepValueValidator",
    "URLValidator",
    "UnicodeUsernameValidator",
    "ValidationError",
    "int_list_validator",
    "validate_comma_separated_integer_list",
    "validate_email",
    "validate_integer",
    "validate_ipv4_address",
    "validate_ipv6_address",
    "validate_ipv46_address",
    "validate_slug",
    "validate_unicode_slug",
]


class RegexValidator:
    """Accept a text that matches ``regex`` (or that does not, with ``inverse_match``)."""

    regex: Any = ""
    message = "Enter a valid value."
    code = "invalid"
    inverse_match = False
    flags = 0

    def __init__(
        self,
        regex: Any = None,
        message: str | None = None,
        code: str | None = None,
        inverse_match: bool | None = None,
        flags: int | None = None,
    ) -> None:
        for name, value in (
            ("regex", regex),
            ("message", message),
            ("code", code),
            ("inverse_match", inverse_match),
            ("flags", flags),
        ):
            if value is not None:
                setattr(self, name, value)
        if isinstance(self.regex, str):
            self.regex = re.compile(self.regex, self.flags)

    def __call__(self, value: Any) -> None:
        found = self.regex.search(str(value)) is not None
        if found == self.inverse_match:
            raise ValidationError(self.message)


class _LimitValidator:
    """Compare a value (or its length) with a limit; subclasses say how."""

    message = "Ensure this value is valid."

    def __init__(self, limit_value: Any, message: str | None = None) -> None:
        self.limit_value = limit_value
        if message is not None:
            self.message = message

    def __call__(self, value: Any) -> None:
        limit = self.limit_value() if callable(self.limit_value) else self.limit_value
        if self.fails(self.measure(value), limit):
            raise ValidationError(self.message.format(limit_value=limit, value=value))

    def measure(self, value: Any) -> Any:
        return value

    def fails(self, measured: Any, limit: Any) -> bool:
        raise NotImplementedError


class MaxValueValidator(_LimitValidator):
    message = "Ensure this value is less than or equal to {limit_value}."

    def fails(self, measured: Any, limit: Any) -> bool:
        return bool(measured > limit)


class MinValueValidator(_LimitValidator):
    message = "Ensure this value is greater than or equal to {limit_value}."

    def fails(self, measured: Any, limit: Any) -> bool:
        return bool(measured < limit)


class StepValueValidator(_LimitValidator):
    message = "Ensure this value is a multiple of step size {limit_value}."

    def fails(self, measured: Any, limit: Any) -> bool:
        return bool(measured % limit != 0)


class MaxLengthValidator(_LimitValidator):
    message = "Ensure this value has at most {limit_value} characters."

    def measure(self, value: Any) -> Any:
        return len(value)

    def fails(self, measured: Any, limit: Any) -> bool:
        return bool(measured > limit)


class MinLengthValidator(MaxLengthValidator):
    message = "Ensure this value has at least {limit_value} characters."

    def fails(self, measured: Any, limit: Any) -> bool:
        return bool(measured < limit)


class EmailValidator:
    """Accept ``local@domain`` with a dotted domain (or one of ``allowlist``)."""

    _local = re.compile(r"^[-!#$%&'*+/=?^_`{}|~0-9A-Z]+(\.[-!#$%&'*+/=?^_`{}|~0-9A-Z]+)*$", re.I)
    _domain = re.compile(r"^((?!-)[A-Z0-9-]{1,63}(?<!-)\.)+[A-Z]{2,63}\.?$", re.I)

    def __init__(
        self,
        message: str | None = None,
        code: str | None = None,
        allowlist: Sequence[str] | None = None,
    ) -> None:
        self.message = message or "Enter a valid email address."
        self.code = code or "invalid"
        self.allowlist = list(allowlist) if allowlist is not None else ["localhost"]

    def __call__(self, value: Any) -> None:
        local, at, domain = str(value).rpartition("@")
        if not (at and self._local.match(local)):
            raise ValidationError(self.message)
        if domain not in self.allowlist and not self._domain.match(domain):
            raise ValidationError(self.message)


class URLValidator(RegexValidator):
    """Accept an absolute URL with one of ``schemes`` and a host."""

    message = "Enter a valid URL."
    schemes: Sequence[str] = ("http", "https", "ftp", "ftps")

    def __init__(self, schemes: Sequence[str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if schemes is not None:
            self.schemes = schemes

    def __call__(self, value: Any) -> None:
        parts = urllib.parse.urlsplit(str(value))
        if parts.scheme.lower() not in self.schemes or not parts.hostname:
            raise ValidationError(self.message)


class DecimalValidator:
    """Accept a decimal with at most ``max_digits`` digits, ``decimal_places`` after the point."""

    def __init__(self, max_digits: int | None, decimal_places: int | None) -> None:
        self.max_digits = max_digits
        self.decimal_places = decimal_places

    def __call__(self, value: Any) -> None:
        _sign, digits, exponent = value.as_tuple()
        places = max(-exponent, 0) if isinstance(exponent, int) else 0
        if self.max_digits is not None and len(digits) > self.max_digits:
            raise ValidationError(f"Ensure that there are no more than {self.max_digits} digits.")
        if self.decimal_places is not None and places > self.decimal_places:
            raise ValidationError(
                f"Ensure that there are no more than {self.decimal_places} decimal places."
            )


class FileExtensionValidator:
    """Accept a file name whose extension is one of ``allowed_extensions``."""

    def __init__(
        self,
        allowed_extensions: Sequence[str] | None = None,
        message: str | None = None,
        code: str | None = None,
    ) -> None:
        self.allowed_extensions = allowed_extensions
        self.message = message or "File extension is not allowed."
        self.code = code or "invalid_extension"

    def __call__(self, value: Any) -> None:
        extension = str(getattr(value, "name", value)).rpartition(".")[2].lower()
        allowed = self.allowed_extensions
        if allowed is not None and extension not in [item.lower() for item in allowed]:
            raise ValidationError(self.message)


class ProhibitNullCharactersValidator:
    """Refuse a text holding the NUL character, which PostgreSQL cannot store."""

    def __init__(self, message: str | None = None, code: str | None = None) -> None:
        self.message = message or "Null characters are not allowed."
        self.code = code or "null_characters_not_allowed"

    def __call__(self, value: Any) -> None:
        if "\x00" in str(value):
            raise ValidationError(self.message)


class UnicodeUsernameValidator(RegexValidator):
    regex = r"^[\w.@+-]+\Z"
    message = "Enter a valid username: letters, digits and @/./+/-/_ only."


class ASCIIUsernameValidator(UnicodeUsernameValidator):
    flags = re.ASCII


for _cls in (
    RegexValidator,
    MaxValueValidator,
    MinValueValidator,
    StepValueValidator,
    MaxLengthValidator,
    MinLengthValidator,
    EmailValidator,
    URLValidator,
    DecimalValidator,
    FileExtensionValidator,
    ProhibitNullCharactersValidator,
    UnicodeUsernameValidator,
    ASCIIUsernameValidator,
):
    deconstructible(_cls)


def _ip_validator(check: Callable[[str], Any], what: str) -> Callable[[Any], None]:
    def validate(value: Any) -> None:
        try:
            check(str(value))
        except ValueError:
            raise ValidationError(f"Enter a valid {what} address.") from None

    return validate


validate_ipv4_address = _ip_validator(ipaddress.IPv4Address, "IPv4")
validate_ipv6_address = _ip_validator(ipaddress.IPv6Address, "IPv6")
validate_ipv46_address = _ip_validator(ipaddress.ip_address, "IPv4 or IPv6")
for _name in ("validate_ipv4_address", "validate_ipv6_address", "validate_ipv46_address"):
    globals()[_name].__name__ = globals()[_name].__qualname__ = _name

validate_email = EmailValidator()
validate_slug = RegexValidator(r"^[-a-zA-Z0-9_]+\Z", "Enter a valid slug.")
validate_unicode_slug = RegexValidator(r"^[-\w]+\Z", "Enter a valid slug.")
validate_integer = RegexValidator(r"^-?\d+\Z", "Enter a valid integer.")


def int_list_validator(
    sep: str = ",", message: str | None = None, code: str = "invalid", allow_negative: bool = False
) -> RegexValidator:
    """Return a validator of integers joined by ``sep``."""
    number = r"-?\d+" if allow_negative else r"\d+"
    pattern = rf"^{number}(?:{re.escape(sep)}{number})*\Z"
    return RegexValidator(pattern, message or "Enter only digits separated by commas.", code)


validate_comma_separated_integer_list = int_list_validator()
