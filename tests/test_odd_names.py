"""Names that are SQL keywords, need quoting, are too long, or try to inject SQL.

Every name and value goes through the whole pipeline (models, makemigrations,
migrate, sqlmigrate, a change, rollback) on SQLite and PostgreSQL, and the
database must hold exactly what the models declare. Names longer than
PostgreSQL's 63 bytes are cut by dbshift with a hash of the whole name, so two
that share their first 63 bytes stay apart. A hypothesis test throws random odd
names at the same pipeline (``DBSHIFT_PROPERTY_EXAMPLES`` examples per database).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dbshift.backends.introspection import expected_schema
from tests.helpers import ProjectDir
from tests.history import read_schema, recorded_rows
from tests.postgres import fresh_database

INJECTION = '\'); DROP TABLE "user"; --'
LONG = "x" * 60

MODELS = f'''
class User(models.Model):
    name = models.CharField(max_length=40, db_column="Name:x %s", default="%(x)s :y ?")

    class Meta:
        db_table = "user"


class Order(models.Model):
    select = models.CharField(max_length=40, default={INJECTION!r})
    user = models.ForeignKey("User", on_delete=models.CASCADE, db_column="user id")
    group = models.IntegerField(db_column='we"ird \\'col', db_default=3)
    Mixed = models.IntegerField(db_column="MixedCase Col", default=0)
    first = models.IntegerField(db_column="{LONG}_first_long_column", default=1, db_index=True)
    second = models.IntegerField(db_column="{LONG}_second_long_column", default=2, db_index=True)
    tags = models.ManyToManyField("User", related_name="+", db_table="order tags: %s")

    class Meta:
        db_table = 'Order "Items" ' + "{LONG}"
        indexes = [
            models.Index(fields=["select", "-Mixed"], name="select"),
            models.Index(fields=["first"], name="{LONG}_index_one"),
            models.Index(fields=["second"], name="{LONG}_index_two"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(group__gte=0), name="where"),
            models.UniqueConstraint(fields=["user", "select"], name="unique :u %s ?"),
        ]
'''


def schema_matches(project: ProjectDir, url: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            expected = expected_schema(
                project.project().models_state(), connection.dialect, connection
            )
    finally:
        engine.dispose()
    actual = read_schema(url)
    assert sorted(actual) == sorted(expected)
    for name, table in expected.items():
        assert actual[name] == table, name


def test_keywords_quotes_long_names_and_hostile_values(make_project, db_url):
    project = make_project(database=db_url)
    project.models("pages", MODELS)

    for command in (("makemigrations",), ("migrate",), ("makemigrations", "--check")):
        result = project.run(*command)
        assert result.code == 0, result.output
    schema_matches(project, db_url)
    tables = read_schema(db_url)
    assert "user" in tables  # the default above did not drop it
    # PostgreSQL keeps 63 bytes of a name, MySQL 64 characters.
    limit = 64 if db_url.startswith("mysql") else 63
    assert all(len(name.encode()) <= limit for name in tables)
    order = next(table for name, table in tables.items() if name.startswith("Order"))
    long_columns = [column.name for column in order.columns if column.name.startswith(LONG[:40])]
    assert len(long_columns) == 2 and all(len(name.encode()) <= limit for name in long_columns)
    long_indexes = [index.name for index in order.indexes if index.name.startswith(LONG[:40])]
    assert len(set(long_indexes)) == 2 and all(len(name.encode()) <= limit for name in long_indexes)

    sql = project.run("sqlmigrate", "pages", "0001")
    assert sql.code == 0, sql.output
    assert "DROP TABLE" not in sql.stdout.replace(INJECTION.replace("'", "''"), "")

    project.models("pages", MODELS.replace("select = ", "order = ").replace('"select"', '"order"'))
    for command in (("makemigrations", "--noinput", "--renames", "no"), ("migrate",)):
        result = project.run(*command)
        assert result.code == 0, result.output
    schema_matches(project, db_url)
    assert project.run("sqlmigrate", "pages", "0002", "--backwards").code == 0

    back = project.run("migrate", "pages", "zero")
    assert back.code == 0, back.output
    assert read_schema(db_url) == {}
    assert recorded_rows(db_url) == []


# -- Random odd names ---------------------------------------------------------------------

SQL_WORDS = [
    "order", "select", "user", "group", "table", "where", "default", "primary", "key",
    "index", "column", "limit", "offset", "desc", "constraint", "references", "unique",
]  # fmt: skip
FIELD_NAMES = [*SQL_WORDS, "Order", "SELECT", "Mixed", "camelCase", "é"]
ODD_CHARACTERS = list("abcXYZ _-'\"%:?;()é$.`[]\\/*=")

odd_names = st.one_of(
    st.sampled_from(SQL_WORDS),
    st.sampled_from(SQL_WORDS).map(str.upper),
    st.text(st.sampled_from(ODD_CHARACTERS), min_size=1, max_size=12).filter(str.strip),
    st.tuples(st.integers(56, 80), st.sampled_from("abé")).map(
        lambda pair: "L" * pair[0] + pair[1]
    ),
)


@dataclass
class Names:
    """Hand out names that differ from all given so far, ignoring case."""

    used: set[str] = field(default_factory=set)

    def take(self, draw: st.DrawFn, strategy: st.SearchStrategy[str]) -> str:
        name = draw(strategy.filter(lambda text: text.casefold() not in self.used))
        self.used.add(name.casefold())
        return name


def literal_percent(name: str) -> str:
    """Return ``name`` as an index or constraint name must be written for it to be ``name``.

    As in Django, those names may hold ``%(app_label)s`` and ``%(class)s``, so a
    literal ``%`` is written ``%%``.
    """
    return name.replace("%", "%%")


@st.composite
def odd_models(draw: st.DrawFn) -> str:
    """Return the body of a models.py full of odd names."""
    objects = Names()  # tables, indexes and unique constraints share one namespace
    classes = []
    for number in range(draw(st.integers(1, 2))):
        columns = Names({"id"})
        lines = [f"class M{number}(models.Model):"]
        fields = draw(
            st.lists(st.sampled_from(FIELD_NAMES), min_size=1, max_size=4, unique_by=str.casefold)
        )
        integers = []
        renamed = [draw(st.booleans()) for _ in fields]
        columns.used |= {
            name.casefold() for name, odd in zip(fields, renamed, strict=True) if not odd
        }
        for name, odd in zip(fields, renamed, strict=True):
            options = [f"db_column={columns.take(draw, odd_names)!r}"] if odd else []
            if draw(st.booleans()):
                options.append("db_index=True")
            if draw(st.booleans()):
                integers.append(name)
                lines.append(
                    f"    {name} = models.IntegerField({', '.join(['default=0', *options])})"
                )
            else:
                value = draw(st.text(st.sampled_from(ODD_CHARACTERS), max_size=8))
                arguments = ", ".join(["max_length=20", f"default={value!r}", *options])
                lines.append(f"    {name} = models.CharField({arguments})")
        if number:
            column = columns.take(draw, odd_names)
            lines.append(
                f"    link = models.ForeignKey('M0', null=True, on_delete=models.SET_NULL, "
                f"db_column={column!r})"
            )
        meta = [f"        db_table = {objects.take(draw, odd_names)!r}"]
        if draw(st.booleans()):
            name = literal_percent(objects.take(draw, odd_names))
            meta.append(f"        indexes = [models.Index(fields=[{fields[0]!r}], name={name!r})]")
        constraints = []
        if draw(st.booleans()):
            name = literal_percent(objects.take(draw, odd_names))
            constraints.append(f"models.UniqueConstraint(fields=[{fields[-1]!r}], name={name!r})")
        if integers and draw(st.booleans()):
            name = literal_percent(objects.take(draw, odd_names))
            condition = f"models.Q({integers[0]}__gte=0)"
            constraints.append(f"models.CheckConstraint(condition={condition}, name={name!r})")
        if constraints:
            meta.append(f"        constraints = [{', '.join(constraints)}]")
        lines += ["", "    class Meta:", *meta]
        classes.append("\n".join(lines))
    return "\n\n\n".join(classes) + "\n"


def run_pipeline(root, url: str, models_source: str) -> None:
    project = ProjectDir(root, ["pages"], url)
    project.models("pages", models_source)
    for command in (("makemigrations",), ("migrate",), ("sqlmigrate", "pages", "0001")):
        result = project.run(*command)
        assert result.code == 0, result.output
    schema_matches(project, url)
    assert project.run("makemigrations", "--check").code == 0
    back = project.run("migrate", "pages", "zero")
    assert back.code == 0, back.output
    assert read_schema(url) == {}


PROPERTY_SETTINGS = settings(
    max_examples=int(os.environ.get("DBSHIFT_PROPERTY_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY_SETTINGS
@given(source=odd_models())
def test_sqlite_takes_any_odd_name(tmp_path_factory, source):
    root = tmp_path_factory.mktemp("odd") / f"p{uuid.uuid4().hex[:8]}"
    run_pipeline(root, f"sqlite:///{root.parent / 'db.sqlite3'}", source)


@PROPERTY_SETTINGS
@given(source=odd_models())
def test_postgresql_takes_any_odd_name(tmp_path_factory, postgres_server, source):
    root = tmp_path_factory.mktemp("odd") / f"p{uuid.uuid4().hex[:8]}"
    with fresh_database(postgres_server) as url:
        run_pipeline(root, url, source)
