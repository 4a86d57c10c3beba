"""Migration files: the writer's output loads back into the operations written.

The round trip writes a migration, imports the file as Python and compares the
imported operations with the written ones, value by value (types included). Every
written file must also be left unchanged by ``ruff format``.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import functools
import importlib.util
import itertools
import json
import math
import pathlib
import re
import string
import subprocess
import sys
import types
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dbshift import models
from dbshift.exceptions import SerializationError
from dbshift.migrations import operations as ops
from dbshift.migrations.migration import Migration
from dbshift.migrations.writer import render_migration
from tests import writer_values

RUFF = Path(sys.executable).with_name("ruff")
_counter = itertools.count()

# -- Comparing values exactly -------------------------------------------------------------


def shape(value: Any) -> Any:
    """Return ``value`` as comparable data that keeps types (1 is not True, [] is not ())."""
    if isinstance(value, ops.Operation):
        name, kwargs = value.deconstruct()
        return ("operation", name, shape(kwargs))
    if isinstance(value, enum.Enum):
        return ("enum", type(value).__module__, type(value).__qualname__, value.name)
    if isinstance(value, bool | int | str | bytes | type(None)):
        return (type(value).__name__, value)
    if isinstance(value, float):
        return ("float", repr(value))
    if isinstance(value, decimal.Decimal):
        return ("decimal", str(value))
    if isinstance(value, datetime.datetime):
        aware = value.utcoffset() is not None
        return ("datetime", aware, value.astimezone(datetime.UTC) if aware else value)
    if isinstance(value, datetime.date | datetime.time | datetime.timedelta | uuid.UUID | range):
        return (type(value).__name__, repr(value))
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(shape(item) for item in value))
    if isinstance(value, set | frozenset):
        return (type(value).__name__, frozenset(shape(item) for item in value))
    if isinstance(value, dict):
        return ("dict", frozenset((shape(key), shape(item)) for key, item in value.items()))
    if isinstance(value, functools.partial):
        return ("partial", shape(value.func), shape(value.args), shape(value.keywords))
    if isinstance(value, type | types.FunctionType | types.MethodType | types.BuiltinFunctionType):
        return ("ref", value.__module__, value.__qualname__)
    deconstruct = getattr(value, "deconstruct", None)
    if deconstruct is not None:
        path, args, kwargs = deconstruct()[-3:]
        return ("object", path, shape(tuple(args)), shape(dict(kwargs)))
    raise AssertionError(f"test cannot compare {value!r}")


# -- Writing, formatting and importing files ----------------------------------------------


def migration_of(operations: list[ops.Operation], **attributes: Any) -> Migration:
    migration = Migration("0002_test", "pages")
    migration.operations = list(operations)
    migration.dependencies = [("pages", "0001_initial")]
    for key, value in attributes.items():
        setattr(migration, key, value)
    return migration


def write(directory: Path, migration: Migration) -> Path:
    path = directory / f"m{next(_counter)}.py"
    path.write_text(render_migration(migration), encoding="utf-8")
    return path


def load(path: Path) -> type:
    spec = importlib.util.spec_from_file_location(f"written_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Migration


def assert_round_trip(directory: Path, operations: list[ops.Operation], **attributes) -> type:
    path = write(directory, migration_of(operations, **attributes))
    loaded = load(path)
    assert [shape(op) for op in loaded.operations] == [shape(op) for op in operations], (
        path.read_text()
    )
    return loaded


def assert_ruff_leaves_unchanged(directory: Path) -> None:
    """Run ruff format over every file written into ``directory``; it must change none."""
    files = sorted(str(path) for path in directory.glob("*.py"))
    assert files
    result = subprocess.run(
        [str(RUFF), "format", "--isolated", "--check", "--diff", *files],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# -- Strategies --------------------------------------------------------------------------------

IDENTIFIER = st.from_regex(r"[a-z_][a-z0-9_]{0,30}", fullmatch=True)
LONG_IDENTIFIER = st.from_regex(r"[a-z][a-z0-9_]{40,90}", fullmatch=True)
FIELD_NAME = st.one_of(IDENTIFIER, LONG_IDENTIFIER).filter(lambda name: name != "id")
MODEL_NAME = st.from_regex(r"[A-Z][A-Za-z0-9]{0,70}", fullmatch=True)
LABEL = st.builds(lambda app, model: f"{app}.{model.lower()}", IDENTIFIER, MODEL_NAME)
TEXT = st.one_of(
    st.text(max_size=30),
    st.text(string.ascii_letters + "'\"\\ ", max_size=30),
    st.text(min_size=80, max_size=200),
)
FIXED_ZONES = st.builds(
    datetime.timezone,
    st.timedeltas(min_value=-datetime.timedelta(hours=23), max_value=datetime.timedelta(hours=23)),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    TEXT,
    st.binary(max_size=20),
    st.decimals(),
    st.dates(),
    st.times(),
    st.datetimes(),
    st.datetimes(timezones=FIXED_ZONES),
    st.timedeltas(),
    st.uuids(),
    st.sampled_from([*writer_values.Colour, *writer_values.Size]),
    st.sampled_from(writer_values.FUNCTIONS),
)
HASHABLE = st.one_of(st.none(), st.booleans(), st.integers(), TEXT, st.uuids(), st.dates())
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(st.one_of(TEXT, st.integers()), children, max_size=4),
        st.frozensets(HASHABLE, max_size=4),
        st.sets(HASHABLE, max_size=4),
    ),
    max_leaves=8,
)
CHOICES = st.lists(st.tuples(st.one_of(TEXT, st.integers()), TEXT), max_size=4)

COMMON_OPTIONS = {
    "null": st.booleans(),
    "blank": st.booleans(),
    "unique": st.booleans(),
    "db_index": st.booleans(),
    "db_column": IDENTIFIER,
    "db_comment": TEXT,
    "db_tablespace": IDENTIFIER,
    "verbose_name": TEXT,
    "help_text": TEXT,
    "default": VALUES,
    "db_default": SCALARS,
    "editable": st.booleans(),
    "serialize": st.booleans(),
    "choices": CHOICES,
    "validators": st.lists(st.sampled_from([writer_values.positive, writer_values.Limit(5)])),
    "error_messages": st.dictionaries(IDENTIFIER, TEXT, max_size=2),
}
ON_DELETE = st.one_of(
    st.sampled_from(
        [
            models.CASCADE,
            models.PROTECT,
            models.RESTRICT,
            models.SET_NULL,
            models.SET_DEFAULT,
            models.DO_NOTHING,
        ]
    ),
    st.builds(models.SET, SCALARS),
)
CLASS_OPTIONS: dict[type, dict[str, st.SearchStrategy]] = {
    models.CharField: {"max_length": st.integers(1, 10_000), "db_collation": IDENTIFIER},
    models.TextField: {"db_collation": IDENTIFIER},
    models.SlugField: {"max_length": st.integers(1, 500), "allow_unicode": st.booleans()},
    models.EmailField: {"max_length": st.integers(1, 500)},
    models.URLField: {"max_length": st.integers(1, 500), "assume_scheme": TEXT},
    models.DecimalField: {"max_digits": st.integers(1, 60), "decimal_places": st.integers(0, 30)},
    models.DateField: {"auto_now": st.booleans(), "auto_now_add": st.booleans()},
    models.DateTimeField: {"auto_now": st.booleans(), "auto_now_add": st.booleans()},
    models.TimeField: {"auto_now": st.booleans(), "auto_now_add": st.booleans()},
    models.GenericIPAddressField: {
        "protocol": st.sampled_from(["both", "ipv4", "ipv6"]),
        "unpack_ipv4": st.booleans(),
    },
    models.JSONField: {
        "encoder": st.just(json.JSONEncoder),
        "decoder": st.just(json.JSONDecoder),
    },
}
PLAIN_FIELDS = [
    models.AutoField,
    models.BigAutoField,
    models.SmallAutoField,
    models.CharField,
    models.TextField,
    models.SlugField,
    models.EmailField,
    models.URLField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveBigIntegerField,
    models.PositiveSmallIntegerField,
    models.FloatField,
    models.DecimalField,
    models.BooleanField,
    models.DateField,
    models.DateTimeField,
    models.TimeField,
    models.DurationField,
    models.UUIDField,
    models.BinaryField,
    models.JSONField,
    models.GenericIPAddressField,
]
FK_OPTIONS = {
    "related_name": IDENTIFIER,
    "related_query_name": IDENTIFIER,
    "limit_choices_to": st.dictionaries(IDENTIFIER, SCALARS, max_size=2),
    "to_field": IDENTIFIER,
    "db_constraint": st.booleans(),
    "db_index": st.booleans(),
    "null": st.booleans(),
    "db_column": IDENTIFIER,
    "default": SCALARS,
    "verbose_name": TEXT,
}
M2M_OPTIONS = {
    "related_name": IDENTIFIER,
    "symmetrical": st.booleans(),
    "through": LABEL,
    "db_table": st.one_of(IDENTIFIER, LONG_IDENTIFIER),
    "db_constraint": st.booleans(),
    "blank": st.booleans(),
}


@st.composite
def options_for(draw, available: dict[str, st.SearchStrategy]) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(sorted(available)), unique=True, max_size=5))
    return {name: draw(available[name]) for name in names}


@st.composite
def fields(draw) -> models.Field:
    kind = draw(
        st.sampled_from(
            [*PLAIN_FIELDS, models.ForeignKey, models.OneToOneField, models.ManyToManyField]
        )
    )
    if kind in (models.ForeignKey, models.OneToOneField):
        options = draw(options_for(FK_OPTIONS))
        if kind is models.OneToOneField:
            options.pop("unique", None)
        return kind(draw(LABEL), on_delete=draw(ON_DELETE), **options)
    if kind is models.ManyToManyField:
        return kind(draw(LABEL), **draw(options_for(M2M_OPTIONS)))
    available = dict(COMMON_OPTIONS)
    for klass in kind.__mro__:
        available.update(CLASS_OPTIONS.get(klass, {}))
    if kind in (models.UUIDField, models.GenericIPAddressField):
        available.pop("max_length", None)
    return kind(**draw(options_for(available)))


LOOKUPS = ["", "__exact", "__gt", "__gte", "__lt", "__lte", "__in", "__isnull"]


@st.composite
def leaf_q(draw) -> models.Q:
    field = draw(IDENTIFIER.filter(lambda name: "__" not in name and not name.endswith("_")))
    lookup = draw(st.sampled_from(LOOKUPS))
    if lookup == "__in":
        value = draw(st.lists(st.one_of(st.integers(), TEXT), max_size=4))
    elif lookup == "__isnull":
        value = draw(st.booleans())
    else:
        value = draw(st.one_of(SCALARS, st.builds(models.F, IDENTIFIER)))
    return models.Q(**{field + lookup: value})


CONDITIONS = st.recursive(
    leaf_q(),
    lambda children: st.one_of(
        st.builds(lambda a, b: a & b, children, children),
        st.builds(lambda a, b: a | b, children, children),
        st.builds(lambda a: ~a, children),
    ),
    max_leaves=5,
)
FIELD_LIST = st.lists(
    st.one_of(IDENTIFIER, IDENTIFIER.map(lambda name: "-" + name)), min_size=1, max_size=3
)
INDEX_NAME = st.one_of(IDENTIFIER, LONG_IDENTIFIER)


@st.composite
def indexes(draw) -> models.Index:
    field_list = draw(FIELD_LIST)
    options = draw(
        options_for(
            {
                "condition": CONDITIONS,
                "include": st.lists(IDENTIFIER, min_size=1, max_size=2),
                "db_tablespace": IDENTIFIER,
                "opclasses": st.just([f"op{n}" for n in range(len(field_list))]),
            }
        )
    )
    return models.Index(fields=field_list, name=draw(INDEX_NAME), **options)


@st.composite
def constraints(draw) -> models.BaseConstraint:
    common = draw(
        options_for({"violation_error_code": IDENTIFIER, "violation_error_message": TEXT})
    )
    if draw(st.booleans()):
        return models.CheckConstraint(condition=draw(CONDITIONS), name=draw(INDEX_NAME), **common)
    options = draw(
        options_for(
            {
                "condition": CONDITIONS,
                "include": st.lists(IDENTIFIER, min_size=1, max_size=2),
                "nulls_distinct": st.booleans(),
                "deferrable": st.sampled_from(list(models.Deferrable)),
            }
        )
    )
    if "condition" in options:
        options.pop("deferrable", None)
    field_list = draw(st.lists(IDENTIFIER, min_size=1, max_size=3))
    return models.UniqueConstraint(fields=field_list, name=draw(INDEX_NAME), **options, **common)


TOGETHER = st.sets(st.lists(IDENTIFIER, min_size=2, max_size=3).map(tuple), max_size=3)
ALTER_OPTIONS = {
    "ordering": st.lists(
        st.one_of(IDENTIFIER, IDENTIFIER.map(lambda name: "-" + name)), max_size=3
    ),
    "verbose_name": TEXT,
    "verbose_name_plural": TEXT,
    "managed": st.booleans(),
    "get_latest_by": IDENTIFIER,
    "permissions": st.lists(st.tuples(IDENTIFIER, TEXT), max_size=2),
    "default_permissions": st.lists(IDENTIFIER, max_size=3).map(tuple),
}
MODEL_OPTIONS = {
    **ALTER_OPTIONS,
    "db_table": st.one_of(IDENTIFIER, LONG_IDENTIFIER),
    "db_table_comment": TEXT,
    "unique_together": TOGETHER,
    "indexes": st.lists(indexes(), max_size=2),
    "constraints": st.lists(constraints(), max_size=2),
}


@st.composite
def create_models(draw) -> ops.CreateModel:
    named = draw(
        st.lists(st.tuples(FIELD_NAME, fields()), max_size=4, unique_by=lambda item: item[0])
    )
    primary = ("id", models.BigAutoField(auto_created=True, primary_key=True))
    return ops.CreateModel(draw(MODEL_NAME), [primary, *named], draw(options_for(MODEL_OPTIONS)))


OPERATIONS = st.one_of(
    create_models(),
    st.builds(ops.DeleteModel, MODEL_NAME),
    st.builds(ops.RenameModel, MODEL_NAME, MODEL_NAME),
    st.builds(ops.AlterModelTable, MODEL_NAME, st.one_of(st.none(), IDENTIFIER, LONG_IDENTIFIER)),
    st.builds(ops.AlterModelTableComment, MODEL_NAME, st.one_of(st.none(), TEXT)),
    st.builds(ops.AlterModelOptions, MODEL_NAME, options_for(ALTER_OPTIONS)),
    st.builds(ops.AlterUniqueTogether, MODEL_NAME, TOGETHER),
    st.builds(ops.AddField, MODEL_NAME, FIELD_NAME, fields(), st.booleans()),
    st.builds(ops.RemoveField, MODEL_NAME, FIELD_NAME),
    st.builds(ops.AlterField, MODEL_NAME, FIELD_NAME, fields(), st.booleans()),
    st.builds(ops.RenameField, MODEL_NAME, FIELD_NAME, FIELD_NAME),
    st.builds(ops.AddIndex, MODEL_NAME, indexes()),
    st.builds(ops.RemoveIndex, MODEL_NAME, INDEX_NAME),
    st.builds(
        lambda model, new, old: ops.RenameIndex(model, new_name=new, old_name=old),
        MODEL_NAME,
        INDEX_NAME,
        INDEX_NAME,
    ),
    st.builds(ops.AddConstraint, MODEL_NAME, constraints()),
    st.builds(ops.RemoveConstraint, MODEL_NAME, INDEX_NAME),
)


# -- The round trip ------------------------------------------------------------------------------


def test_every_operation_and_field_round_trips_and_is_formatted(tmp_path):
    @settings(
        max_examples=250,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(st.lists(OPERATIONS, min_size=1, max_size=4))
    def round_trip(operations):
        # A directory per example, so that hypothesis shrinks a file ruff would change.
        directory = tmp_path / f"example{next(_counter)}"
        directory.mkdir()
        assert_round_trip(directory, operations)
        assert_ruff_leaves_unchanged(directory)

    round_trip()


def every_field_once() -> list[tuple[str, models.Field]]:
    return [
        ("auto", models.AutoField(primary_key=True)),
        ("big_auto", models.BigAutoField(primary_key=True)),
        ("small_auto", models.SmallAutoField(primary_key=True)),
        ("char", models.CharField(max_length=200, db_collation="C", default="x")),
        ("text", models.TextField(db_comment="body")),
        ("slug", models.SlugField(allow_unicode=True)),
        ("email", models.EmailField(unique=True)),
        ("url", models.URLField(max_length=300, assume_scheme="https")),
        ("integer", models.IntegerField(default=0, db_default=0)),
        ("big", models.BigIntegerField(null=True)),
        ("small", models.SmallIntegerField(db_index=True)),
        ("positive", models.PositiveIntegerField(validators=[writer_values.positive])),
        ("positive_big", models.PositiveBigIntegerField(default=writer_values.Size.LARGE)),
        (
            "positive_small",
            models.PositiveSmallIntegerField(choices=writer_values.Priority.choices),
        ),
        ("float", models.FloatField(default=math.inf)),
        (
            "decimal",
            models.DecimalField(max_digits=10, decimal_places=2, default=decimal.Decimal("1.50")),
        ),
        ("boolean", models.BooleanField(default=False)),
        ("date", models.DateField(auto_now_add=True)),
        ("datetime", models.DateTimeField(auto_now=True)),
        ("time", models.TimeField(default=datetime.time(12, 30))),
        ("duration", models.DurationField(default=datetime.timedelta(days=1, seconds=3))),
        ("uuid", models.UUIDField(default=uuid.uuid4, editable=False)),
        ("binary", models.BinaryField(default=b"\x00\xff", editable=True)),
        ("json", models.JSONField(default=dict, encoder=json.JSONEncoder)),
        ("ip", models.GenericIPAddressField(protocol="ipv4", unpack_ipv4=True)),
        (
            "fk",
            models.ForeignKey("pages.tag", on_delete=models.SET_NULL, null=True, related_name="+"),
        ),
        (
            "fk_code",
            models.ForeignKey("shop.product", models.PROTECT, to_field="code", db_constraint=False),
        ),
        ("set", models.ForeignKey("pages.tag", on_delete=models.SET(0), related_name="set_items")),
        ("one", models.OneToOneField("pages.tag", on_delete=models.CASCADE, db_column="one")),
        ("many", models.ManyToManyField("pages.tag", db_table="article_tags")),
        ("many_through", models.ManyToManyField("pages.tag", through="pages.tagging")),
    ]


def test_every_field_class_round_trips_in_every_field_operation(tmp_path):
    operations: list[ops.Operation] = [ops.CreateModel("Article", every_field_once())]
    for name, field in every_field_once():
        operations.append(ops.AddField("article", name, field))
        operations.append(ops.AlterField("article", name, field, preserve_default=False))

    assert_round_trip(tmp_path, operations)
    assert_ruff_leaves_unchanged(tmp_path)


def test_every_operation_round_trips(tmp_path):
    index = models.Index(fields=["-title"], name="title_idx", condition=models.Q(title__gt=""))
    check = models.CheckConstraint(
        condition=(models.Q(n__gte=0) & models.Q(n__lt=10)) | ~models.Q(n__in=[1, 2]), name="n_ok"
    )
    unique = models.UniqueConstraint(
        fields=["title", "n"], name="one", deferrable=models.Deferrable.DEFERRED
    )
    operations = [
        ops.CreateModel(
            "Article",
            [("id", models.BigAutoField(auto_created=True, primary_key=True))],
            options={
                "db_table": "stories",
                "ordering": ["-id"],
                "unique_together": {("a", "b")},
                "indexes": [index],
                "constraints": [check, unique],
            },
        ),
        ops.DeleteModel("Article"),
        ops.RenameModel("Article", "Post"),
        ops.AlterModelTable("article", "stories"),
        ops.AlterModelTable("article", None),
        ops.AlterModelTableComment("article", "Stories"),
        ops.AlterModelOptions("article", {"managed": False, "verbose_name": "story"}),
        ops.AlterUniqueTogether("article", {("a", "b"), ("b", "c")}),
        ops.AlterUniqueTogether("article", set()),
        ops.AddField("article", "title", models.CharField(max_length=10, default=""), False),
        ops.RemoveField("article", "title"),
        ops.AlterField("article", "title", models.CharField(max_length=20)),
        ops.RenameField("article", "title", "headline"),
        ops.AddIndex("article", index),
        ops.RemoveIndex("article", "title_idx"),
        ops.RenameIndex("article", new_name="new_idx", old_name="title_idx"),
        ops.AddConstraint("article", check),
        ops.AddConstraint("article", unique),
        ops.RemoveConstraint("article", "n_ok"),
        ops.RunSQL("SELECT 1", reverse_sql=["SELECT 2", ("SELECT %s", [3])]),
        ops.RunPython(writer_values.default_title, ops.RunPython.noop),
    ]

    loaded = assert_round_trip(tmp_path, operations, initial=True, atomic=False)

    assert loaded.initial is True
    assert loaded.atomic is False
    assert_ruff_leaves_unchanged(tmp_path)


def test_migration_attributes_round_trip(tmp_path):
    migration = migration_of(
        [],
        dependencies=[("pages", "0001_initial"), ("shop", "__first__")],
        run_before=[("blog", "0003_x")],
        replaces=[("pages", "0001_a"), ("pages", "0002_b")],
    )

    loaded = load(write(tmp_path, migration))

    assert loaded.dependencies == [("pages", "0001_initial"), ("shop", "__first__")]
    assert loaded.run_before == [("blog", "0003_x")]
    assert loaded.replaces == [("pages", "0001_a"), ("pages", "0002_b")]
    assert loaded.operations == []
    assert_ruff_leaves_unchanged(tmp_path)


# -- Values ------------------------------------------------------------------------------------


def write_default(tmp_path: Path, value: Any) -> tuple[str, Any]:
    """Write ``value`` as a field's default; return the file and the value read back."""
    field = models.JSONField(default=value)
    path = write(tmp_path, migration_of([ops.AddField("article", "value", field)]))
    return path.read_text(), load(path).operations[0].field.default


def written_default(tmp_path: Path, value: Any) -> tuple[str, Any]:
    """Return the source line of ``value`` as a default, and the value read back."""
    source, loaded = write_default(tmp_path, value)
    return next(line.strip() for line in source.splitlines() if "default=" in line), loaded


def written_source(tmp_path: Path, value: Any) -> tuple[str, Any]:
    """Return the file with ``value`` as a default without whitespace, and the value read back."""
    source, loaded = write_default(tmp_path, value)
    imports, _, body = source.partition("class Migration")
    return imports + re.sub(r"\s+", "", body), loaded


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain", 'field=models.JSONField(default="plain"),'),
        ('say "hi"', "field=models.JSONField(default='say \"hi\"'),"),
        ("it's", 'field=models.JSONField(default="it\'s"),'),
        (True, "field=models.JSONField(default=True),"),
        (None, "field=models.JSONField(default=None),"),
        (1.5, "field=models.JSONField(default=1.5),"),
        (1e300, "field=models.JSONField(default=1e300),"),
        (1e-05, "field=models.JSONField(default=1e-05),"),
        (math.inf, 'field=models.JSONField(default=float("inf")),'),
        (decimal.Decimal("1.50"), 'field=models.JSONField(default=decimal.Decimal("1.50")),'),
        (uuid.UUID(int=1), 'default=uuid.UUID("00000000-0000-0000-0000-000000000001")'),
        ({3, 1, 2}, "field=models.JSONField(default={1, 2, 3}),"),
        ({"b": 1, "a": 2}, 'field=models.JSONField(default={"a": 2, "b": 1}),'),
        ((1,), "field=models.JSONField(default=(1,)),"),
        (b"a\x00'", 'field=models.JSONField(default=b"a\\x00\'"),'),
        (
            writer_values.Colour.RED,
            'field=models.JSONField(default=tests.writer_values.Colour["RED"]),',
        ),
        (writer_values.Status.DRAFT, 'field=models.JSONField(default="d"),'),
        (writer_values.Priority.HIGH, "field=models.JSONField(default=2),"),
        (
            writer_values.default_title,
            "field=models.JSONField(default=tests.writer_values.default_title),",
        ),
        (
            writer_values.Holder.make,
            "field=models.JSONField(default=tests.writer_values.Holder.make),",
        ),
        (dict, "field=models.JSONField(default=dict),"),
        (datetime.date(2024, 2, 29), "field=models.JSONField(default=datetime.date(2024, 2, 29)),"),
    ],
)
def test_value_is_written_as_django_writes_it_in_ruff_style(tmp_path, value, expected):
    line, loaded = written_default(tmp_path, value)

    assert line == expected
    if isinstance(value, models.Choices):
        assert loaded == value.value and type(loaded) is type(value.value)
    else:
        assert shape(loaded) == shape(value)


def test_check_constraint_of_sql_text_is_written_as_django_writes_it(tmp_path):
    condition = models.RawSQL("price > 0", [], output_field=models.BooleanField())
    constraint = models.CheckConstraint(condition=condition, name="price_positive")
    path = write(tmp_path, migration_of([ops.AddConstraint("book", constraint)]))

    body = re.sub(r"\s+", "", path.read_text().partition("class Migration")[2])

    assert (
        'constraint=models.CheckConstraint(condition=models.RawSQL("price>0",[],'
        'output_field=models.BooleanField()),name="price_positive",),'
    ) in body
    assert load(path).operations[0].constraint == constraint
    assert_ruff_leaves_unchanged(tmp_path)


def test_aware_datetime_is_written_in_utc(tmp_path):
    value = datetime.datetime(
        2024, 1, 2, 3, 4, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
    )

    source, loaded = written_source(tmp_path, value)

    assert "default=datetime.datetime(2024,1,2,1,4,tzinfo=datetime.timezone.utc)" in source
    assert loaded == value


def test_partial_is_written_with_functools(tmp_path):
    value = functools.partial(writer_values.positive, 3)

    source, loaded = written_source(tmp_path, value)

    assert "default=functools.partial(tests.writer_values.positive,3)" in source
    assert "import functools\n" in source
    assert shape(loaded) == shape(value)


@pytest.mark.parametrize(
    "value",
    [
        range(1, 10, 2),
        re.compile(r"^a+$", re.IGNORECASE),
        pathlib.PurePosixPath("/srv/files"),
        writer_values.Limit(3, inclusive=False),
        [writer_values.Size.SMALL, {"k": (datetime.time(1, 2), datetime.timedelta(-1))}],
    ],
)
def test_other_values_load_back(tmp_path, value):
    _line, loaded = written_default(tmp_path, value)

    if isinstance(value, re.Pattern):
        assert (loaded.pattern, loaded.flags) == (value.pattern, value.flags)
    else:
        assert loaded == value and type(loaded) is type(value)


def test_long_values_are_laid_out_as_ruff_formats_them(tmp_path):
    moments = [
        datetime.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=datetime.UTC),
        datetime.datetime(1999, 12, 31, 23, 59, 59, 999999),
        datetime.timedelta(days=-123456, seconds=86399, microseconds=999999),
    ]
    operations = [
        ops.AddField(
            "a_model_with_a_rather_long_name_to_push_things_right",
            f"field_{index}",
            models.JSONField(default=value, verbose_name="x" * 30),
        )
        for index, value in enumerate([*moments, moments, 1e300, [1e-300] * 12])
    ]

    assert_round_trip(tmp_path, operations)
    assert_ruff_leaves_unchanged(tmp_path)


def test_long_enum_members_and_wide_characters_are_laid_out_as_ruff_formats_them(tmp_path):
    # ruff counts CJK and emoji as two columns and combining marks as none.
    values = [
        ("x" * 52, writer_values.Size.SMALL),
        ("夶" * 36, 1),
        ("😀" * 36, 1),
        ("e\u0301" * 37, 1),
        ("a" * 72, 1),
    ]
    operations = [
        ops.AddField(
            "article",
            f"field_{index}",
            models.JSONField(default=(key, value), verbose_name=key),
        )
        for index, (key, value) in enumerate(values)
    ]

    assert_round_trip(tmp_path, operations)
    assert_ruff_leaves_unchanged(tmp_path)


def test_lambda_default_is_refused_naming_the_model_and_field():
    migration = migration_of(
        [
            ops.CreateModel(
                "Article", [("title", models.CharField(max_length=5, default=lambda: "x"))]
            )
        ]
    )

    with pytest.raises(SerializationError) as caught:
        render_migration(migration)

    message = str(caught.value)
    assert "Article" in message and "'title'" in message
    assert "lambda" in message


def test_local_function_default_is_refused_naming_the_field():
    def local_default():
        return 1

    migration = migration_of(
        [ops.AddField("article", "count", models.IntegerField(default=local_default))]
    )

    with pytest.raises(SerializationError) as caught:
        render_migration(migration)

    message = str(caught.value)
    assert "count" in message and "article" in message
    assert "module level" in message


def test_object_without_deconstruct_is_refused():
    migration = migration_of([ops.AddField("article", "thing", models.JSONField(default=object()))])

    with pytest.raises(SerializationError, match="Cannot write <object object"):
        render_migration(migration)


# -- The file as a whole --------------------------------------------------------------------------


def test_file_layout_matches_django_with_ruff_quotes():
    migration = migration_of(
        [ops.AddField("article", "slug", models.SlugField(default=""))],
    )

    source = render_migration(migration, now=datetime.datetime(2025, 1, 2, 3, 4))

    assert source == (
        "# Generated by dbshift 0.1.0 on 2025-01-02 03:04\n"
        "\n"
        "from dbshift import migrations, models\n"
        "\n"
        "\n"
        "class Migration(migrations.Migration):\n"
        "    dependencies = [\n"
        '        ("pages", "0001_initial"),\n'
        "    ]\n"
        "\n"
        "    operations = [\n"
        "        migrations.AddField(\n"
        '            model_name="article",\n'
        '            name="slug",\n'
        '            field=models.SlugField(default=""),\n'
        "        ),\n"
        "    ]\n"
    )


def test_header_can_be_left_out():
    source = render_migration(migration_of([]), include_header=False)

    assert source.startswith("from dbshift import migrations\n\n\nclass Migration")


def test_imports_are_sorted_as_django_sorts_them():
    # Plain imports first, then from-imports, each sorted by module.
    field = models.JSONField(
        default=writer_values.default_title,
        db_default=decimal.Decimal("1"),
        verbose_name=str(uuid.UUID(int=0)),
    )
    migration = migration_of(
        [
            ops.AddField("article", "a", field),
            ops.AlterField("article", "b", models.UUIDField(default=uuid.uuid4)),
        ]
    )

    source = render_migration(migration, include_header=False)

    imports = source.split("\n\n\n")[0].splitlines()
    assert imports == [
        "import decimal",
        "import tests.writer_values",
        "import uuid",
        "from dbshift import migrations, models",
    ]


def test_same_migration_renders_the_same_bytes():
    def build() -> Migration:
        return migration_of(
            [
                ops.CreateModel(
                    "Article",
                    every_field_once(),
                    options={"unique_together": {("b", "a"), ("a", "c"), ("c", "d")}},
                ),
                ops.AlterUniqueTogether("article", {("x", "y"), ("a", "b"), ("m", "n")}),
                ops.AddField(
                    "article",
                    "tags",
                    models.JSONField(default={"z": {3, 1, 2}, "a": frozenset("cab")}),
                ),
            ]
        )

    moment = datetime.datetime(2025, 1, 1)
    assert render_migration(build(), now=moment) == render_migration(build(), now=moment)
