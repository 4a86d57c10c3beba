"""Apps whose models are SQLAlchemy tables: makemigrations, migrate, renames, refusals.

The schema dbshift migrates is compared with the one ``metadata.create_all()``
builds, both read by :mod:`tests.structure` (plain SQL, no dbshift code).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import sqlalchemy as sa

from dbshift.sources import cache
from tests.helpers import (
    ProjectDir,
    check_violation,
    expect_failure_on_mariadb,
    process_env,
    run_sql,
)
from tests.structure import Column, Structure, Table, describe_differences, read_structure

MODELS = """
import datetime, decimal, uuid
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "author"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    email: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    bio: Mapped[str | None] = mapped_column(sa.Text, comment="about")


class Book(Base):
    __tablename__ = "book"
    __table_args__ = (
        sa.UniqueConstraint("book_title", "author_id", name="uq_book_title_author"),
        sa.Index("ix_book_pages_price", "pages", "price"),
        sa.CheckConstraint("price > 0 AND pages >= 0", name="ck_book_price_pages"),
    )
    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                    primary_key=True)
    title: Mapped[str] = mapped_column("book_title", sa.String(200))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("author.id", ondelete="CASCADE"))
    pages: Mapped[int] = mapped_column(
        sa.SmallInteger, sa.CheckConstraint("pages < 10000"), server_default="0"
    )
    price: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(10, 2))
    rating: Mapped[float | None] = mapped_column(sa.Float)
    published: Mapped[datetime.date | None]
    created: Mapped[datetime.datetime] = mapped_column(sa.DateTime(timezone=True))
    updated: Mapped[datetime.datetime | None] = mapped_column(sa.DateTime)
    at: Mapped[datetime.time | None]
    blob: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    data: Mapped[dict | None] = mapped_column(sa.JSON().with_variant(JSONB, "postgresql"))
    ref: Mapped[uuid.UUID] = mapped_column(sa.Uuid, unique=True)
    kind: Mapped[str] = mapped_column(sa.Enum("paper", "ebook", native_enum=False),
                                      server_default="paper")
    active: Mapped[bool] = mapped_column(server_default=sa.true())
    code: Mapped[str] = mapped_column(sa.Unicode(20), unique=True, index=True)
    reviewer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("author.id", ondelete="SET NULL"))


tags = sa.Table(
    "tag",
    Base.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("label", sa.UnicodeText, nullable=False),
    sa.Column("weight", sa.Integer, nullable=False, server_default=sa.text("1")),
    sa.CheckConstraint("label NOT LIKE 'bo_' OR weight > 1"),
)
""".replace(
    "import sqlalchemy as sa\n",
    "import sqlalchemy as sa\nfrom sqlalchemy.dialects.postgresql import JSONB\n",
    1,
)

#: SQLite's type affinity rules (https://www.sqlite.org/datatype3.html, 3.1), in order.
_AFFINITIES = (
    ("int", "integer"),
    ("char", "text"),
    ("clob", "text"),
    ("text", "text"),
    ("blob", "blob"),
    ("real", "real"),
    ("floa", "real"),
    ("doub", "real"),
)


def sa_project(root, database: str, models: str = MODELS, extra: str = "") -> ProjectDir:
    """Return a project whose app 'shop' takes its models from shop/db.py:Base."""
    project = ProjectDir(root, [], database)
    project.ensure_app("shop")
    project.write("shop/db.py", models)
    project.write(
        "pyproject.toml",
        f'[tool.dbshift]\napps = [{{ name = "shop", models = "shop.db:Base"{extra} }}]\n'
        f'database = "{database}"\n',
    )
    return project


def create_all(project: ProjectDir, url: str) -> None:
    """Build the tables of shop/db.py:Base with SQLAlchemy alone, in a process of its own."""
    script = (
        "import sys, sqlalchemy as sa, shop.db as db; "
        "db.Base.metadata.create_all(sa.create_engine(sys.argv[1]))"
    )
    subprocess.run(
        [sys.executable, "-c", script, url], cwd=project.root, check=True, env=process_env()
    )


def normalized(structure: Structure, sqlite: bool) -> Structure:
    """Return ``structure`` without the differences docs/sqlalchemy.md lists as intended.

    Auto-numbered keys (identity or AUTOINCREMENT for dbshift, serial or a rowid
    for create_all), deferred foreign keys (dbshift's always are), and a unique
    rule as a constraint or a unique index are the same table to the application.
    """
    result = {}
    for name, table in structure.items():
        columns = {key: _column(column, sqlite) for key, column in table.columns.items()}
        keys = tuple(dataclasses.replace(fk, deferred=False) for fk in table.foreign_keys)
        result[name] = Table(
            columns=columns,
            primary_key=table.primary_key,
            foreign_keys=keys,
            unique_constraints=tuple(table.uniques()),
            indexes=tuple(index for index in table.indexes if not index.unique),
            checks=table.checks,
            comment=table.comment,
        )
    return result


def _column(column: Column, sqlite: bool) -> Column:
    default = column.default
    if default and default.startswith("nextval("):
        default = None
    if default:
        default = re.sub(r"::\w+$", "", default).strip("'")
    type_ = column.type
    if sqlite:
        type_ = next((aff for part, aff in _AFFINITIES if part in type_), "numeric")
    return dataclasses.replace(column, type=type_, default=default, identity=False)


@pytest.fixture
def sqlalchemys_mysql_types(db_url: str, request: pytest.FixtureRequest) -> None:
    """Expect the comparison with SQLAlchemy's own tables to fail on MariaDB."""
    reason = (
        "SQLAlchemy types map to Django's fields and their MySQL types (sa.Text is longtext, "
        "sa.DateTime datetime(6)) where create_all makes text and datetime"
    )
    expect_failure_on_mariadb(request, db_url, reason)


@pytest.mark.usefixtures("sqlalchemys_mysql_types")
def test_migrated_schema_equals_create_all(tmp_path, db_url, twin_url):
    project = sa_project(tmp_path / "p", db_url)
    made = project.run("makemigrations")
    assert made.code == 0, made.output
    assert project.run("migrate").code == 0
    create_all(project, twin_url)
    sqlite = db_url.startswith("sqlite")
    differences = describe_differences(
        normalized(read_structure(db_url), sqlite), normalized(read_structure(twin_url), sqlite)
    )
    # dbshift's JSONField checks its text on SQLite, where create_all declares a
    # JSON column with no check.
    expected = (
        [
            "book.data: got Column(type='text', nullable=True, default=None, identity=False, "
            "comment=None, collation=None), expected Column(type='numeric', nullable=True, "
            "default=None, identity=False, comment=None, collation=None)",
            "book checks: got ('json_valid(data)ORdataISNULL', 'pages<10000', "
            "'price>0ANDpages>=0'), expected ('pages<10000', 'price>0ANDpages>=0')",
        ]
        if sqlite
        else []
    )
    assert differences == expected
    assert project.run("makemigrations", "--check").code == 0


def test_renamed_mapped_column_is_asked_about_and_keeps_rows(tmp_path, db_url):
    project = sa_project(tmp_path / "p", db_url)
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0
    run_sql(db_url, "INSERT INTO author (name, bio) VALUES ('Ann', 'writes')")
    renamed = MODELS.replace(
        'bio: Mapped[str | None] = mapped_column(sa.Text, comment="about")',
        'about: Mapped[str | None] = mapped_column(sa.Text, comment="about")',
    )
    project.write("shop/db.py", renamed)

    asked = project.run("makemigrations", stdin="y\n")
    assert asked.code == 0, asked.output
    assert "Was author.bio renamed to author.about (a TextField)?" in asked.output
    assert "Rename field bio on author to about" in asked.output
    assert project.run("migrate").code == 0
    assert run_sql(db_url, "SELECT name, about FROM author") == [("Ann", "writes")]


def test_renamed_mapped_column_with_noinput_exits_3_and_writes_nothing(tmp_path, sqlite_url):
    project = sa_project(tmp_path / "p", sqlite_url)
    assert project.run("makemigrations").code == 0
    project.write("shop/db.py", MODELS.replace("    bio: Mapped", "    about: Mapped"))

    refused = project.run("makemigrations", "--noinput")

    assert refused.code == 3
    assert refused.stderr.startswith(
        "Error: App 'shop': Field author.bio was removed and author.about added with the "
        "same column "
        "(a TextField)"
    )
    assert "Traceback" not in refused.output
    assert project.migration_names("shop") == ["0001_initial"]


def test_added_and_removed_columns_indexes_and_constraints(tmp_path, db_url):
    project = sa_project(tmp_path / "p", db_url)
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0
    changed = MODELS.replace(
        "    email: Mapped[str | None] = mapped_column(sa.String(200), index=True)\n",
        "    email: Mapped[str | None] = mapped_column(sa.String(200))\n"
        '    age: Mapped[int] = mapped_column(server_default="0", index=True)\n',
    ).replace("unique=True)\n    email", ")\n    email")
    project.write("shop/db.py", changed)
    made = project.run("makemigrations")
    assert made.code == 0, made.output
    assert project.run("migrate").code == 0
    author = read_structure(db_url)["author"]
    assert author.columns["age"].nullable is False
    assert [index.columns for index in author.indexes if not index.unique] == [("age",)]
    assert author.uniques() == []
    assert project.run("makemigrations", "--check").code == 0


def test_check_constraints_are_created_with_deterministic_names(tmp_path, db_url):
    project = sa_project(tmp_path / "p", db_url)
    assert project.run("makemigrations").code == 0
    source = re.sub(r"\s+", "", project.migration_source("shop", "0001_initial"))
    assert (
        'models.CheckConstraint(condition=models.RawSQL("pages<10000",[],'
        'output_field=models.BooleanField()),name="book_pages_check",)'
    ) in source
    assert project.run("migrate").code == 0

    engine = sa.create_engine(db_url)
    with engine.connect() as connection:
        inspector = sa.inspect(connection)
        names = {
            table: sorted(check["name"] for check in inspector.get_check_constraints(table))
            for table in ("book", "tag")
        }
    engine.dispose()
    # SQLite's JSON column brings a check of dbshift's own (see docs/sqlalchemy.md).
    json_check = ["data_3efa8e10_json"] if db_url.startswith("sqlite") else []
    assert names == {
        "book": sorted(["book_pages_check", "ck_book_price_pages", *json_check]),
        "tag": ["tag_check"],
    }
    run_sql(db_url, "INSERT INTO tag (label) VALUES ('bat')")
    with pytest.raises(check_violation(db_url)):
        run_sql(db_url, "INSERT INTO tag (label) VALUES ('box')")


def test_renamed_column_with_its_check_edited_migrates(tmp_path, db_url):
    project = sa_project(tmp_path / "p", db_url)
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0
    renamed = MODELS.replace(
        "sa.CheckConstraint(\"label NOT LIKE 'bo_' OR weight > 1\")",
        "sa.CheckConstraint(\"label NOT LIKE 'bo_' OR heft > 1\")",
    ).replace('sa.Column("weight"', 'sa.Column("heft"')
    project.write("shop/db.py", renamed)

    made = project.run("makemigrations", "--renames", "yes")
    assert made.code == 0, made.output
    # The rename carries the check along; the check's new text is no change of its own.
    assert made.stdout.splitlines()[2:] == ["    ~ Rename field weight on tag to heft"]
    migrated = project.run("migrate")
    assert migrated.code == 0, migrated.output

    run_sql(db_url, "INSERT INTO tag (label, heft) VALUES ('box', 2)")
    with pytest.raises(check_violation(db_url)):
        run_sql(db_url, "INSERT INTO tag (label, heft) VALUES ('box', 1)")
    assert drift(project) == []
    assert project.run("makemigrations", "--check").code == 0


def test_check_constraints_follow_the_naming_convention_and_take_expressions(tmp_path, sqlite_url):
    source = (
        "import sqlalchemy as sa\n"
        'Base = sa.MetaData(naming_convention={"ck": "ck_%(table_name)s_%(constraint_name)s"})\n'
        'n = sa.Column("n", sa.Integer)\n'
        'sa.Table("gadget", Base, sa.Column("id", sa.Integer, primary_key=True), n,\n'
        '         sa.CheckConstraint(n > 5, name="above"),\n'
        '         sa.CheckConstraint("n < 9", name="below"))\n'
    )
    project = sa_project(tmp_path / "p", sqlite_url, models=source)
    assert project.run("makemigrations").code == 0
    source = re.sub(r"\s+", "", project.migration_source("shop", "0001_initial"))
    assert 'RawSQL("n>5",[],output_field=models.BooleanField()),name="ck_gadget_above"' in source
    assert 'RawSQL("n<9",[],output_field=models.BooleanField()),name="ck_gadget_below"' in source


SQLMODEL = """
import sqlalchemy as sa
from sqlmodel import Field, SQLModel

Base = SQLModel


class Hero(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    secret_name: str = Field(max_length=50)
    age: int | None = None
    team_id: int | None = Field(default=None, foreign_key="team.id")


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    headquarters: str
"""


@pytest.mark.usefixtures("sqlalchemys_mysql_types")
def test_sqlmodel_models_migrate_to_the_create_all_schema(tmp_path, db_url, twin_url):
    project = sa_project(tmp_path / "p", db_url, models=SQLMODEL)
    # SQLModel keeps every table in one process-wide MetaData: each run needs a process.
    made = project.run_process("makemigrations")
    assert made.code == 0, made.output
    assert "Create model Hero" in made.output and "Create model Team" in made.output
    assert project.run_process("migrate").code == 0
    create_all(project, twin_url)
    sqlite = db_url.startswith("sqlite")
    expected = normalized(read_structure(twin_url), sqlite)
    if not sqlite:
        # SQLModel's str is an unbounded VARCHAR; dbshift makes it a TextField (text).
        for table, column in (("hero", "name"), ("team", "headquarters")):
            expected[table].columns[column] = dataclasses.replace(
                expected[table].columns[column], type="text"
            )
    actual = normalized(read_structure(db_url), sqlite)
    assert describe_differences(actual, expected) == []


@pytest.mark.parametrize(
    ("column", "message"),
    [
        (
            'sa.Column("tags", sa.ARRAY(sa.Integer))',
            "Column gadget.tags has type ARRAY, which dbshift cannot migrate from "
            "SQLAlchemy models",
        ),
        (
            'sa.Column("kind", sa.Enum("a", "b", name="kind"))',
            "Column gadget.kind has type Enum as a native enum type (set native_enum=False)",
        ),
        (
            'sa.Column("n", sa.String(9)), sa.Index("ix_n", sa.func.lower(sa.column("n")), '
            "unique=True)",
            "Index ix_n on table gadget indexes expressions",
        ),
        (
            'sa.Column("owner_id", sa.ForeignKey("gadget.id")), sa.Column("owner", sa.Integer)',
            "Columns gadget.owner and owner_id both become field shop.Gadget.owner",
        ),
        (
            'sa.Column("n", sa.Integer, server_default=sa.text("random()"))',
            "Column gadget.n has server_default <sqlalchemy.sql.elements.TextClause",
        ),
    ],
)
def test_unsupported_column_gives_one_line_error(tmp_path, sqlite_url, column, message):
    source = (
        "import sqlalchemy as sa\nmetadata = sa.MetaData()\nBase = metadata\n"
        f'sa.Table("gadget", metadata, sa.Column("id", sa.Integer, primary_key=True), {column})\n'
    )
    project = sa_project(tmp_path / "p", sqlite_url, models=source)
    result = project.run("makemigrations")
    assert result.code != 0
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert project.migration_names("shop") == []


def test_apps_share_one_metadata_by_listing_their_tables(tmp_path, sqlite_url):
    project = sa_project(tmp_path / "p", sqlite_url)
    project.ensure_app("library")
    project.write(
        "pyproject.toml",
        "[tool.dbshift]\napps = [\n"
        '  { name = "shop", models = "shop.db:Base", tables = ["tag"] },\n'
        '  { name = "library", models = "shop.db:Base" },\n]\n'
        f'database = "{sqlite_url}"\n',
    )
    made = project.run("makemigrations")
    assert made.code == 0, made.output
    assert 'name="Tag"' in project.migration_source("shop", "0001_initial")
    library = project.migration_source("library", "0001_initial")
    assert 'name="Author"' in library and 'name="Book"' in library
    assert 'name="Tag"' not in library
    assert project.run("migrate").code == 0
    assert set(read_structure(sqlite_url)) == {"author", "book", "tag"}


def drift(project: ProjectDir, *options: str) -> list[tuple[str, str, str]]:
    """Return (id, object, message) of each drift finding of ``check``."""
    result = project.run("check", "--format", "json", *options)
    return [
        (finding["id"], finding["obj"], finding["message"])
        for finding in json.loads(result.stdout)
        if finding["id"] >= "migrations.W010"
    ]


@pytest.mark.usefixtures("sqlalchemys_mysql_types")
def test_create_all_database_is_taken_over_and_drift_is_reported(tmp_path, db_url):
    project = sa_project(tmp_path / "p", db_url)
    create_all(project, db_url)
    run_sql(db_url, "INSERT INTO author (name) VALUES ('Ann')")
    assert project.run("makemigrations").code == 0
    faked = project.run("migrate", "--fake-initial")
    assert faked.code == 0, faked.output
    assert "Applying shop.0001_initial... FAKED" in faked.stdout
    sqlite = db_url.startswith("sqlite")
    # create_all declares SQLite's JSON column without dbshift's json_valid check.
    json_drift = [
        ("migrations.W014", "book.data", "Type is json, the migrations build text."),
        (
            "migrations.W020",
            "book",
            "The database lacks check constraint data_3efa8e10_json.",
        ),
    ]
    assert drift(project) == (json_drift if sqlite else [])
    assert drift(project, "--database-only") == (json_drift if sqlite else [])

    run_sql(db_url, "CREATE INDEX extra_ix ON author (bio)")
    run_sql(db_url, "ALTER TABLE tag ADD COLUMN note TEXT")
    expected = [
        ("migrations.W013", "tag.note", "Column is in the database but no model."),
        (
            "migrations.W017",
            "author",
            "The database has index extra_ix on (bio) no migration builds.",
        ),
    ]
    if not sqlite:
        run_sql(db_url, "ALTER TABLE book ALTER COLUMN book_title DROP NOT NULL")
        expected.append(
            (
                "migrations.W015",
                "book.book_title",
                "Column allows NULL in the database, not in the migrations.",
            )
        )
    assert sorted(drift(project, "--database-only")) == sorted(
        expected + (json_drift if sqlite else [])
    )
    assert run_sql(db_url, "SELECT name FROM author") == [("Ann",)]


ALEMBIC_ENV = """
import sqlalchemy as sa
from alembic import context

import shop.db

engine = sa.create_engine(context.config.get_main_option("sqlalchemy.url"))
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=shop.db.Base.metadata)
    with context.begin_transaction():
        context.run_migrations()
"""

ALEMBIC_TEMPLATE = """
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = None
depends_on = None

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
${imports if imports else ""}


def upgrade():
    ${upgrades if upgrades else "pass"}


def downgrade():
    ${downgrades if downgrades else "pass"}
"""

ALEMBIC_RUN = """
import sys
from alembic import command
from alembic.config import Config

config = Config()
config.set_main_option("script_location", "alembic")
config.set_main_option("sqlalchemy.url", sys.argv[1])
command.revision(config, "initial", autogenerate=True)
config.set_main_option("sqlalchemy.url", sys.argv[2])
command.upgrade(config, "head")
"""


@pytest.mark.usefixtures("sqlalchemys_mysql_types")
def test_alembic_database_is_taken_over_without_drift(tmp_path, db_url, twin_url):
    project = sa_project(tmp_path / "p", db_url)
    project.write("alembic/env.py", ALEMBIC_ENV)
    project.write("alembic/script.py.mako", ALEMBIC_TEMPLATE)
    (project.root / "alembic" / "versions").mkdir()
    # Autogenerate against an empty database, then upgrade the one to take over.
    subprocess.run(
        [sys.executable, "-c", ALEMBIC_RUN, twin_url, db_url],
        cwd=project.root,
        check=True,
        env=process_env(),
        capture_output=True,
    )
    assert run_sql(db_url, "SELECT count(*) FROM alembic_version") == [(1,)]

    assert project.run("makemigrations").code == 0
    assert "FAKED" in project.run("migrate", "--fake-initial").stdout
    found = drift(project, "--database-only")
    # Alembic's autogenerate leaves out checks declared on a column: drift, rightly.
    lacking = ("migrations.W020", "book", "The database lacks check constraint book_pages_check.")
    if db_url.startswith("sqlite"):
        assert [obj for _id, obj, _message in found] == ["book.data", "book", "book"]
        assert lacking in found
    else:
        assert found == [lacking]
    run_sql(db_url, "CREATE UNIQUE INDEX extra_uq ON tag (label)")
    assert ("migrations.W018", "tag", "The database has unique (label) no migration builds.") in (
        drift(project, "--database-only")
    )


def test_migrated_defaults_show_no_drift(tmp_path, db_url):
    source = (
        "import sqlalchemy as sa\nBase = sa.MetaData()\n"
        'sa.Table("event", Base, sa.Column("id", sa.Integer, primary_key=True),\n'
        '    sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now()),\n'
        '    sa.Column("kind", sa.String(9), server_default="plain"),\n'
        '    sa.Column("n", sa.Numeric(5, 2), server_default=sa.text("1.5")))\n'
    )
    project = sa_project(tmp_path / "p", db_url, models=source)
    assert project.run("makemigrations").code == 0
    assert project.run("migrate").code == 0
    assert drift(project) == []
    if db_url.startswith("sqlite"):
        return  # SQLite cannot change a default in place
    run_sql(db_url, "ALTER TABLE event ALTER COLUMN kind SET DEFAULT 'fancy'")
    assert drift(project) == [
        ("migrations.W016", "event.kind", "Default is fancy, the migrations build plain.")
    ]


DATA_MIGRATION = """
from dbshift import migrations


def load(apps, schema_editor):
    Author = apps.get_model("shop", "Author")
    Tag = apps.get_model("shop", "Tag")
    Author.objects.create(name="Ann", bio="writes")
    Tag.objects.create(label="news")


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [migrations.RunPython(load)]
"""


def test_run_python_sqlmigrate_and_squash_work_on_sqlalchemy_apps(tmp_path, db_url):
    project = sa_project(tmp_path / "p", db_url)
    assert project.run("makemigrations").code == 0
    project.write("shop/migrations/0002_load.py", DATA_MIGRATION)
    migrated = project.run("migrate")
    assert migrated.code == 0, migrated.output
    assert run_sql(db_url, "SELECT name, bio FROM author") == [("Ann", "writes")]
    # The tag's weight came from its server_default, which the historical model left out.
    assert run_sql(db_url, "SELECT label, weight FROM tag") == [("news", 1)]

    shown = project.run("sqlmigrate", "shop", "0001")
    assert shown.code == 0, shown.output
    assert "CREATE TABLE" in shown.stdout and "ix_book_pages_price" in shown.stdout

    squashed = project.run("squashmigrations", "shop", "0002", "--noinput")
    assert squashed.code == 0, squashed.output
    assert project.run("migrate").code == 0
    assert project.run("makemigrations", "--check").code == 0


# -- The cached model states of a source ----------------------------------------------------

LENGTHS = "NAME_LENGTH = 100\n"


def cached_project(root, sqlite_url) -> ProjectDir:
    """Return a project whose source imports a module of the project outside the app."""
    models = MODELS.replace(
        "import sqlalchemy as sa\n", "import sqlalchemy as sa\nfrom common import lengths\n", 1
    ).replace("sa.String(100), unique=True", "sa.String(lengths.NAME_LENGTH), unique=True")
    project = sa_project(root, sqlite_url, models=models)
    project.write("common/__init__.py", "")
    project.write("common/lengths.py", LENGTHS)
    assert project.run("makemigrations").code == 0
    return project


def test_unchanged_source_is_not_imported_again(tmp_path, sqlite_url):
    project = cached_project(tmp_path / "p", sqlite_url)

    assert project.run("makemigrations", "--check").code == 0

    assert "shop.db" not in sys.modules  # the app's modules are forgotten at each start
    assert project.run("makemigrations", "--check").code == 0
    assert "shop.db" not in sys.modules


@pytest.mark.parametrize(
    ("path", "edit"),
    [
        # One character in the models module, one in a module it imports.
        ("shop/db.py", ("sa.String(200), index=True", "sa.String(20), index=True")),
        ("common/lengths.py", ("100", "10")),
    ],
)
def test_one_character_edit_of_a_source_module_is_seen(tmp_path, sqlite_url, path, edit):
    project = cached_project(tmp_path / "p", sqlite_url)
    assert project.run_process("makemigrations", "--check").code == 0
    source = (project.root / path).read_text()
    assert source.count(edit[0]) == 1

    project.write(path, source.replace(*edit))

    checked = project.run_process("makemigrations", "--check")
    assert checked.code == 1, checked.output
    assert "Alter field" in checked.stdout


def test_same_size_edit_with_the_old_time_is_seen(tmp_path, sqlite_url):
    project = cached_project(tmp_path / "p", sqlite_url)
    assert project.run_process("makemigrations", "--check").code == 0
    lengths = project.root / "common" / "lengths.py"
    before = lengths.stat()

    lengths.write_text(LENGTHS.replace("100", "120"))
    os.utime(lengths, ns=(before.st_atime_ns, before.st_mtime_ns))
    shutil.rmtree(lengths.parent / "__pycache__", ignore_errors=True)  # Python's own cache

    assert project.run_process("makemigrations", "--check").code == 1


def test_another_sqlalchemy_version_reads_the_source_again(tmp_path, sqlite_url, monkeypatch):
    project = cached_project(tmp_path / "p", sqlite_url)
    assert project.run("makemigrations", "--check").code == 0

    installed = cache.installed_version
    monkeypatch.setattr(cache, "installed_version", lambda name: installed(name) + ".post1")
    assert project.run("makemigrations", "--check").code == 0

    assert "shop.db" in sys.modules


def test_module_imported_before_an_edit_is_not_cached_as_the_edited_file(tmp_path, sqlite_url):
    project = cached_project(tmp_path / "p", sqlite_url)
    assert project.run("makemigrations", "--check").code == 0
    lengths = project.root / "common" / "lengths.py"

    lengths.write_text(LENGTHS.replace("100", "10"))
    # This process still holds common.lengths as it was: what it reads is not cached.
    project.run("makemigrations", "--check")

    assert project.run_process("makemigrations", "--check").code == 1
