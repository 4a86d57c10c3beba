"""Conditions as SQL: each lookup, evaluated by both databases."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from dbshift import migrations, models
from dbshift.backends.expressions import condition
from dbshift.exceptions import NotSupportedError
from dbshift.models import F, Q
from tests.backends.support import Harness

ROWS = [
    (1, "Alpha", 5, 10),
    (2, "alphabet", 10, 10),
    (3, "50% off_", 15, 1),
    (4, None, 20, 30),
]

CASES: list[tuple[Q, list[int]]] = [
    (Q(name="Alpha"), [1]),
    (Q(name=None), [4]),
    (Q(name__iexact="ALPHA"), [1]),
    (Q(name__contains="lph"), [1, 2]),
    (Q(name__contains="% off_"), [3]),
    (Q(name__icontains="ALPHA"), [1, 2]),
    (Q(name__startswith="alphab"), [2]),
    (Q(name__istartswith="ALPHA"), [1, 2]),
    (Q(name__endswith="off_"), [3]),
    (Q(rank__in=[5, 20, None]), [1, 4]),
    (Q(rank__in=[]), []),
    (Q(rank__gt=10), [3, 4]),
    (Q(rank__gte=10), [2, 3, 4]),
    (Q(rank__lt=10), [1]),
    (Q(rank__lte=10), [1, 2]),
    (Q(name__isnull=True), [4]),
    (Q(name__isnull=False), [1, 2, 3]),
    (Q(rank__lt=F("limit")), [1, 4]),
    (Q(rank=F("limit")), [2]),
    (Q(rank__gt=5) & Q(rank__lt=20), [2, 3]),
    (Q(rank=5) | Q(rank=20), [1, 4]),
    (~Q(rank=5), [2, 3, 4]),
    (~(Q(rank=5) | Q(name__isnull=True)), [2, 3]),
]


@pytest.fixture
def table(h: Harness) -> Harness:
    h.migrate(
        migrations.CreateModel(
            "Row",
            [
                ("id", models.AutoField(primary_key=True)),
                ("name", models.CharField(max_length=20, null=True)),
                ("rank", models.IntegerField()),
                ("limit", models.IntegerField()),
            ],
        )
    )
    for id_, name, rank, limit in ROWS:
        h.insert("pages_row", id=id_, name=name, rank=rank, limit=limit)
    return h


def bound(_name: str, raw: Any) -> sa.ColumnElement[Any]:
    return sa.literal(raw)


def matching(h: Harness, where: sa.ColumnElement[bool]) -> list[int]:
    statement = sa.select(sa.column("id")).select_from(sa.table("pages_row")).where(where)
    with h.connection.begin():
        return sorted(row[0] for row in h.connection.execute(statement.order_by("id")))


def test_lookups_with_bound_parameters_and_with_inlined_literals(table: Harness) -> None:
    model = table.state.get_model("pages", "row")
    builder = table.db.schema_editor(None).builder
    for q, ids in CASES:
        # As a data migration would query: values bound as parameters.
        assert matching(table, condition(q, sa.column, bound)) == ids, q
        # As constraints and partial indexes are written: values inlined.
        assert matching(table, sa.text(builder.condition_sql(model, q) or "")) == ids, q


def test_unsupported_lookups_say_which() -> None:
    with pytest.raises(NotSupportedError, match="name__regex"):
        condition(Q(name__regex="x"), sa.column, bound)
    with pytest.raises(NotSupportedError, match="across relations"):
        condition(Q(rank=F("author__rank")), sa.column, bound)
