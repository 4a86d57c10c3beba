"""The one spelling of SQL conditions that drift compares check constraints in.

Each PostgreSQL text below is what ``pg_get_constraintdef`` printed for the
condition beside it (PostgreSQL 16).
"""

from __future__ import annotations

import pytest

from dbshift.utils.sqltext import normalized_condition


@pytest.mark.parametrize(
    ("declared", "database", "normalized"),
    [
        ("price > 0", "(price > (0)::numeric)", "price > 0"),
        (
            "price > 0 and qty >= 1",
            "((price > (0)::numeric) AND (qty >= 1))",
            "price > 0 and qty >= 1",
        ),
        (
            "length(name) > 0 AND name != 'x' OR qty < 3",
            "(((length((name)::text) > 0) AND ((name)::text <> 'x'::text)) OR (qty < 3))",
            "length(name) > 0 and name <> 'x' or qty < 3",
        ),
        ("name LIKE 'a%'", "((name)::text ~~ 'a%'::text)", "name like 'a%'"),
        (
            "price > 0 AND (\"Title\" LIKE 'B%' OR price < 10)",
            "((price > (0)::numeric) AND (((\"Title\")::text ~~ 'B%'::text) OR "
            "(price < (10)::numeric)))",
            "price > 0 and (Title like 'B%' or price < 10)",
        ),
        ("NOT (a > 1 OR b < 2)", "(NOT ((a > 1) OR (b < 2)))", "not (a > 1 or b < 2)"),
        ("(a + b) * 2 > c", "(((a + b) * 2) > c)", "(a + b) * 2 > c"),
        # MariaDB (information_schema.check_constraints) quotes names with backquotes.
        (
            "price > 0 AND (title LIKE 'B%' OR price < 10)",
            "`price` > 0 and (`title` like 'B%' or `price` < 10)",
            "price > 0 and (title like 'B%' or price < 10)",
        ),
    ],
)
def test_declared_and_database_text_normalize_alike(declared, database, normalized):
    assert normalized_condition(declared) == normalized
    assert normalized_condition(database) == normalized


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("price > 0", "price >= 0"),
        ("(a OR b) AND c", "a OR b AND c"),
        ("name = 'A'", "name = 'a'"),
        ("a > 1 AND NOT b", "NOT (a > 1 AND b)"),
    ],
)
def test_different_conditions_stay_different(one, other):
    assert normalized_condition(one) != normalized_condition(other)
