"""Values of every field type through historical models: stored as Django stores them."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

import pytest

from dbshift import migrations, models
from tests.backends.support import Harness
from tests.data_migrations.support import in_migration

MOMENT = datetime.datetime(2024, 2, 29, 23, 30, 15, 123456, tzinfo=datetime.UTC)
KEY = uuid.UUID("12345678-1234-5678-1234-567812345678")

VALUES: dict[str, Any] = {
    "flag": True,
    "amount": decimal.Decimal("1234.50"),
    "ratio": 0.25,
    "day": datetime.date(2024, 2, 29),
    "moment": MOMENT,
    "clock": datetime.time(23, 30, 15, 5),
    "span": datetime.timedelta(days=2, seconds=5, microseconds=7),
    "ref": KEY,
    "data": {"list": [1, "two", None], "nested": {"yes": True}},
    "blob": b"\x00\xffbytes",
    "address": "192.168.0.1",
    "count": 2**40,
    "text": "it's 100% \u00e9t\u00e9",
}

FIELDS = [
    ("id", models.BigAutoField(primary_key=True)),
    ("flag", models.BooleanField(null=True)),
    ("amount", models.DecimalField(max_digits=8, decimal_places=2, null=True)),
    ("ratio", models.FloatField(null=True)),
    ("day", models.DateField(null=True)),
    ("moment", models.DateTimeField(null=True)),
    ("clock", models.TimeField(null=True)),
    ("span", models.DurationField(null=True)),
    ("ref", models.UUIDField(null=True)),
    ("data", models.JSONField(null=True)),
    ("blob", models.BinaryField(null=True)),
    ("address", models.GenericIPAddressField(null=True)),
    ("count", models.BigIntegerField(null=True)),
    ("text", models.TextField(null=True)),
]


@pytest.fixture
def typed(h: Harness) -> Harness:
    h.migrate(migrations.CreateModel("Sample", FIELDS))
    return h


def test_every_type_round_trips(typed: Harness) -> None:
    def code(apps: Any) -> Any:
        Sample = apps.get_model("pages", "Sample")
        Sample.objects.create(**VALUES)
        Sample.objects.create()
        full, empty = Sample.objects.order_by("pk")
        return (
            {name: getattr(full, name) for name in VALUES},
            {name: getattr(empty, name) for name in VALUES},
        )

    full, empty = in_migration(typed, code)
    assert full == VALUES
    assert type(full["amount"]) is decimal.Decimal and full["moment"].tzinfo is not None
    assert empty == dict.fromkeys(VALUES)


@pytest.mark.parametrize("name", sorted(set(VALUES) - {"data", "blob"}))
def test_every_type_filters_by_its_value(typed: Harness, name: str) -> None:
    def code(apps: Any) -> Any:
        Sample = apps.get_model("pages", "Sample")
        Sample.objects.create(**VALUES)
        Sample.objects.create()
        return (
            Sample.objects.filter(**{name: VALUES[name]}).count(),
            Sample.objects.filter(**{f"{name}__in": [VALUES[name]]}).count(),
            Sample.objects.filter(**{f"{name}__isnull": True}).count(),
        )

    assert in_migration(typed, code) == (1, 1, 1)


def test_datetimes_compare_in_utc(typed: Harness) -> None:
    paris = datetime.timezone(datetime.timedelta(hours=1))

    def code(apps: Any) -> Any:
        Sample = apps.get_model("pages", "Sample")
        Sample.objects.create(moment=MOMENT)
        return (
            Sample.objects.filter(moment=MOMENT.astimezone(paris)).count(),
            Sample.objects.filter(moment__gt=MOMENT - datetime.timedelta(microseconds=1)).count(),
            Sample.objects.filter(moment__lt=datetime.datetime(2024, 3, 1, tzinfo=paris)).count(),
        )

    # 2024-03-01 00:00 in Paris (UTC+1) is before 23:30 UTC of the day before.
    assert in_migration(typed, code) == (1, 1, 0)


def test_sqlite_stores_django_formats(lite: Harness) -> None:
    lite.migrate(migrations.CreateModel("Sample", FIELDS))
    in_migration(lite, lambda apps: apps.get_model("pages", "Sample").objects.create(**VALUES))
    raw = lite.execute(
        "SELECT flag, amount, day, moment, clock, span, ref, data FROM pages_sample"
    )[0]
    assert raw == (
        1,
        1234.5,
        "2024-02-29",
        "2024-02-29 23:30:15.123456",
        "23:30:15.000005",
        2 * 86400 * 10**6 + 5 * 10**6 + 7,
        KEY.hex,
        '{"list": [1, "two", null], "nested": {"yes": true}}',
    )


def test_rows_written_outside_read_back(lite: Harness) -> None:
    lite.migrate(migrations.CreateModel("Sample", FIELDS))
    lite.insert(
        "pages_sample",
        flag=0,
        amount="7",
        moment="2024-01-02 03:04:05",
        span=1_500_000,
        ref=str(KEY),
        data='"text"',
    )

    def code(apps: Any) -> Any:
        sample = apps.get_model("pages", "Sample").objects.get()
        return sample.flag, sample.amount, sample.moment, sample.span, sample.ref, sample.data

    assert in_migration(lite, code) == (
        False,
        decimal.Decimal("7.00"),
        datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        datetime.timedelta(seconds=1.5),
        KEY,
        "text",
    )


def test_defaults_db_defaults_and_auto_now(h: Harness) -> None:
    h.migrate(
        migrations.CreateModel(
            "Event",
            [
                ("id", models.BigAutoField(primary_key=True)),
                ("ref", models.UUIDField(default=uuid.uuid4)),
                ("name", models.CharField(max_length=10)),
                ("note", models.TextField(null=True)),
                ("rank", models.IntegerField(db_default=7)),
                ("created", models.DateTimeField(auto_now_add=True)),
                ("changed", models.DateTimeField(auto_now=True)),
            ],
        )
    )

    def code(apps: Any) -> Any:
        Event = apps.get_model("pages", "Event")
        before = datetime.datetime.now(datetime.UTC)
        event = Event.objects.create()
        first_change = event.changed
        event.save()
        loaded = Event.objects.get(pk=event.pk)
        return (
            isinstance(event.ref, uuid.UUID),
            event.name,
            event.note,
            event.rank,
            loaded.rank,
            before <= event.created <= first_change <= loaded.changed,
            loaded.ref == event.ref,
        )

    assert in_migration(h, code) == (True, "", None, 7, 7, True, True)
