"""Apps whose models are SQLAlchemy tables: makemigrations, migrate, renames, refusals.

The schema dbshift migrates is compared with the one ``metadata.create_all()``
builds, both read by :mod:`tests.structure` (plain SQL, no dbshift code).
"""

from __future__ import annotations

import dataclasses
import re

import sqlalchemy as sa

from tests.helpers import ProjectDir
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
    )
    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                    primary_key=True)
    title: Mapped[str] = mapped_column("book_title", sa.String(200))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("author.id", ondelete="CASCADE"))
    pages: Mapped[int] = mapped_column(sa.SmallInteger, server_default="0")
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


def create_all(project: ProjectDir, url: str, source: str = "shop.db") -> None:
    import importlib
    import sys

    sys.path.insert(0, str(project.root))
    try:
        module = importlib.import_module(source)
        engine = sa.create_engine(url)
        module.Base.metadata.create_all(engine)
        engine.dispose()
    finally:
        sys.path.remove(str(project.root))


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
            "book checks: got ('json_valid(data)ORdataISNULL',), expected ()",
        ]
        if sqlite
        else []
    )
    assert differences == expected
    assert project.run("makemigrations", "--check").code == 0
