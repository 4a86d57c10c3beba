"""A generated history of 200 migrations across 10 apps applies, rolls back and applies again.

The history comes from the benchmark's generator (the dbshift flavour: only the
import lines differ from Django's). It runs on both databases: built fresh, then
every app back to zero one by one, then applied again migration by migration, and
each time the database matches the models as tests/expectations.py writes them out.
"""

from __future__ import annotations

import sqlalchemy as sa

from bench import history as h
from bench.projects import write_flavor
from dbshift.migrations.recorder import PROGRESS_TABLE_NAME, TABLE_NAME
from tests.expectations import assert_database_matches
from tests.helpers import ProjectDir


def tables(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            names = set(sa.inspect(connection).get_table_names())
            return sorted(names - {TABLE_NAME, PROGRESS_TABLE_NAME})
    finally:
        engine.dispose()


def test_a_generated_history_applies_rolls_back_and_applies_again(tmp_path, db_url):
    history = h.generate(apps=10, migrations_per_app=20, seed=1)
    root = tmp_path / "generated"
    write_flavor(history, "dbshift", root)
    project = ProjectDir(root, history.apps, db_url)
    assert len(history.migrations) == 200

    assert project.run("makemigrations", "--check").code == 0
    built = project.run("migrate")
    assert built.code == 0, built.output
    assert_database_matches(db_url, project.project().models_state())

    for app in reversed(history.apps):
        result = project.run("migrate", app, "zero")
        assert result.code == 0, result.output
    assert tables(db_url) == []

    again = project.run("migrate", "--one-by-one")
    assert again.code == 0, again.output
    assert again.stdout.count("... OK") == 200
    assert_database_matches(db_url, project.project().models_state())
    assert project.run("check").code == 0
