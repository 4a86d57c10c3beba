"""Rows written by the application read equal in a RunPython, and the other way round."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

import dbshift.sqlalchemy as dsa
from tests.helpers import ProjectDir
from tests.runtime.conftest import mapped_models
from tests.runtime.test_orm import VALUES

#: A data migration that checks the row the application wrote, then writes its own.
CHECK_AND_WRITE = """
import datetime
from decimal import Decimal
from uuid import UUID

from dbshift import migrations

VALUES = {values!r}


def check_and_write(apps, schema_editor):
    Sample = apps.get_model("pages", "Sample")
    written = Sample.objects.get(pk=1)
    read = {{name: getattr(written, name) for name in VALUES}}
    if read != VALUES:
        raise AssertionError(f"read {{read!r}}")
    Sample.objects.create(pk=2, **VALUES)


class Migration(migrations.Migration):
    dependencies = [("pages", "0001_initial")]
    operations = [migrations.RunPython(check_and_write)]
"""


def test_values_round_trip_with_data_migrations(written: ProjectDir) -> None:
    assert written.run("migrate").code == 0
    with mapped_models(written):
        from pages.models import Sample

        with Session(dsa.engine()) as session:
            session.add(Sample(id=1, **VALUES))
            session.commit()
    written.write("pages/migrations/0002_check.py", CHECK_AND_WRITE.format(values=VALUES))

    result = written.run("migrate")

    assert result.code == 0, result.output
    with mapped_models(written):
        from pages.models import Sample

        with Session(dsa.engine()) as session:
            row = session.scalars(select(Sample).where(Sample.id == 2)).one()
            assert {name: getattr(row, name) for name in VALUES} == VALUES
