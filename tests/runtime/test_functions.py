"""Database functions as ``db_default``: in models, migration files, the schema and rows."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

import dbshift.sqlalchemy as dsa
from tests.helpers import ProjectDir
from tests.runtime.conftest import mapped_models

STAMPED = """
from dbshift.models.functions import Coalesce, Concat, Lower, Now, Upper, Value


class Stamped(models.Model):
    at = models.DateTimeField(db_default=Now())
    low = models.CharField(max_length=10, db_default=Lower(Value("ABC")))
    up = models.CharField(max_length=10, db_default=models.functions.Upper(Value("abc")))
    joined = models.CharField(max_length=10, db_default=Concat(Value("a"), Value(None), "b"))
    first = models.CharField(max_length=10, db_default=Coalesce(Value(None), Value("x")))
    number = models.IntegerField(db_default=Value(5))
"""


def test_functions_fill_new_rows(make_project: Callable[..., ProjectDir], db_url: str) -> None:
    project = make_project(database=db_url)
    project.models("pages", STAMPED.replace('"b")', 'Value("b"))'))
    assert project.run("makemigrations").code == 0
    source = project.migration_source("pages", "0001_initial")
    assert "db_default=dbshift.models.functions.Now()" in source
    assert project.run("migrate").code == 0
    assert project.run("makemigrations", "--check").code == 0

    with mapped_models(project):
        from pages.models import Stamped

        with Session(dsa.engine()) as session:
            session.add(Stamped())
            session.commit()
            row = session.scalars(select(Stamped)).one()
            values = (row.low, row.up, row.joined, row.first, row.number)
            at = row.at
    assert values == ("abc", "ABC", "ab", "x", 5)
    assert at.tzinfo is not None
    assert abs(datetime.datetime.now(datetime.UTC) - at) < datetime.timedelta(hours=1)


def test_a_field_reference_is_refused(make_project: Callable[..., ProjectDir]) -> None:
    project = make_project()
    project.models("pages", STAMPED)
    assert project.run("makemigrations").code == 0

    result = project.run("migrate")

    assert result.code != 0
    assert "a db_default can refer to no column" in result.output
    assert 'Value("b")' in result.output
    assert "Traceback" not in result.output
