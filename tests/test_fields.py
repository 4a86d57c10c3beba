"""Django's field API as ``from dbshift import models``: options, defaults, deconstruction."""

from __future__ import annotations

import datetime
import decimal
import uuid

import pytest

from dbshift import models
from dbshift.exceptions import ModelDefinitionError

FIELD_CLASSES = [
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "CharField",
    "TextField",
    "SlugField",
    "EmailField",
    "URLField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
    "FloatField",
    "DecimalField",
    "BooleanField",
    "DateField",
    "DateTimeField",
    "TimeField",
    "DurationField",
    "UUIDField",
    "BinaryField",
    "JSONField",
    "GenericIPAddressField",
    "ForeignKey",
    "OneToOneField",
    "ManyToManyField",
]


@pytest.mark.parametrize("name", FIELD_CLASSES)
def test_every_field_class_is_importable_from_dbshift_models(name):
    cls = getattr(models, name)

    assert issubclass(cls, models.Field)
    assert cls.import_path() == f"dbshift.models.{name}"


def test_model_api_names_are_importable():
    for name in [
        "Model",
        "Index",
        "UniqueConstraint",
        "CheckConstraint",
        "Q",
        "F",
        "CASCADE",
        "PROTECT",
        "RESTRICT",
        "SET_NULL",
        "SET_DEFAULT",
        "SET",
        "DO_NOTHING",
        "TextChoices",
        "IntegerChoices",
        "NOT_PROVIDED",
        "Deferrable",
    ]:
        assert hasattr(models, name), name


# What Django 5.2's deconstruct() gives for the same declarations (kwargs only;
# the path is dbshift.models.<class>).
DECONSTRUCTIONS = [
    ("AutoField(primary_key=True)", {"primary_key": True}),
    (
        "BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')",
        {"auto_created": True, "primary_key": True, "serialize": False, "verbose_name": "ID"},
    ),
    ("CharField(max_length=200)", {"max_length": 200}),
    (
        "CharField(max_length=200, null=True, blank=True, default='', db_index=True, "
        "unique=True, db_column='c', db_comment='x')",
        {
            "blank": True,
            "db_column": "c",
            "db_comment": "x",
            "db_index": True,
            "default": "",
            "max_length": 200,
            "null": True,
            "unique": True,
        },
    ),
    ("TextField()", {}),
    ("SlugField()", {}),
    ("SlugField(max_length=50, db_index=True)", {}),
    (
        "SlugField(max_length=100, db_index=False, allow_unicode=True)",
        {"allow_unicode": True, "db_index": False, "max_length": 100},
    ),
    ("EmailField(max_length=100)", {"max_length": 100}),
    ("URLField()", {}),
    ("URLField(max_length=500)", {"max_length": 500}),
    ("IntegerField(default=0)", {"default": 0}),
    ("FloatField(db_default=1.5)", {"db_default": 1.5}),
    ("DecimalField(max_digits=10, decimal_places=2)", {"decimal_places": 2, "max_digits": 10}),
    (
        "DecimalField('price', None, 5, 2)",
        {"decimal_places": 2, "max_digits": 5, "verbose_name": "price"},
    ),
    ("BooleanField(default=False)", {"default": False}),
    ("BooleanField()", {}),
    ("DateField(auto_now_add=True)", {"auto_now_add": True}),
    ("DateTimeField(auto_now=True)", {"auto_now": True}),
    ("TimeField()", {}),
    ("DurationField()", {}),
    (
        "UUIDField(default=uuid.uuid4, editable=False, unique=True)",
        {"default": uuid.uuid4, "editable": False, "unique": True},
    ),
    ("BinaryField()", {}),
    ("BinaryField(editable=True)", {"editable": True}),
    ("JSONField(default=dict)", {"default": dict}),
    ("GenericIPAddressField()", {}),
    ("GenericIPAddressField(protocol='IPv4', unpack_ipv4=False)", {"protocol": "IPv4"}),
    (
        "ForeignKey('pages.Article', on_delete=models.CASCADE)",
        {"on_delete": models.CASCADE, "to": "pages.article"},
    ),
    (
        "ForeignKey('pages.Article', models.SET_NULL, null=True, related_name='+', "
        "db_index=False, db_constraint=False, to_field='code')",
        {
            "db_constraint": False,
            "db_index": False,
            "null": True,
            "on_delete": models.SET_NULL,
            "related_name": "+",
            "to": "pages.article",
            "to_field": "code",
        },
    ),
    (
        "OneToOneField('pages.Article', on_delete=models.CASCADE)",
        {"on_delete": models.CASCADE, "to": "pages.article"},
    ),
    ("ManyToManyField('pages.Tag')", {"to": "pages.tag"}),
    (
        "ManyToManyField('pages.Tag', db_table='x', related_name='r', blank=True)",
        {"blank": True, "db_table": "x", "related_name": "r", "to": "pages.tag"},
    ),
    (
        "ManyToManyField('pages.Tag', through='pages.Tagging')",
        {"through": "pages.tagging", "to": "pages.tag"},
    ),
    (
        "CharField(max_length=10, choices=[('a', 'A')], verbose_name='v', help_text='h', "
        "editable=False)",
        {
            "choices": [("a", "A")],
            "editable": False,
            "help_text": "h",
            "max_length": 10,
            "verbose_name": "v",
        },
    ),
    ("IntegerField(validators=[])", {}),
]


@pytest.mark.parametrize(("declaration", "kwargs"), DECONSTRUCTIONS)
def test_deconstruction_gives_what_django_gives(declaration, kwargs):
    field = eval("models." + declaration, {"models": models, "uuid": uuid})

    path, args, actual = field.deconstruct()

    assert path == f"dbshift.models.{declaration.split('(')[0]}"
    assert args == ()
    assert actual == kwargs


@pytest.mark.parametrize(("declaration", "kwargs"), DECONSTRUCTIONS)
def test_a_field_rebuilt_from_its_deconstruction_is_the_same(declaration, kwargs):
    field = eval("models." + declaration, {"models": models, "uuid": uuid})

    clone = field.clone()

    assert type(clone) is type(field)
    assert clone.deconstruct() == field.deconstruct()
    assert clone is not field


@pytest.mark.parametrize(
    ("field", "option", "value"),
    [
        (models.SlugField(), "max_length", 50),
        (models.SlugField(), "db_index", True),
        (models.EmailField(), "max_length", 254),
        (models.URLField(), "max_length", 200),
        (models.GenericIPAddressField(), "max_length", 39),
        (models.UUIDField(), "max_length", 32),
        (models.BinaryField(), "editable", False),
        (models.ForeignKey("pages.a", models.CASCADE), "db_index", True),
        (models.ForeignKey("pages.a", models.CASCADE), "db_constraint", True),
        (models.OneToOneField("pages.a", models.CASCADE), "unique", True),
        (models.CharField(max_length=5), "null", False),
        (models.CharField(max_length=5), "default", models.NOT_PROVIDED),
    ],
)
def test_option_defaults_match_django(field, option, value):
    assert getattr(field, option) == value


def test_unknown_option_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match=r"CharField\(\) got unexpected option\(s\): colour"):
        models.CharField(max_length=5, colour="red")


def test_fixed_option_cannot_be_set():
    with pytest.raises(TypeError, match="unique"):
        models.OneToOneField("pages.a", models.CASCADE, unique=False)


def test_too_many_positional_arguments_is_a_type_error():
    with pytest.raises(TypeError, match="positional"):
        models.CharField("title", "title", 200)


def test_verbose_name_may_be_positional():
    assert models.CharField("Title", max_length=5).verbose_name == "Title"


def test_defaults():
    counter = iter(range(10))

    def next_number():
        return next(counter)

    field = models.IntegerField(default=next_number)

    assert field.has_default()
    assert field.get_default() == 0
    assert field.get_default() == 1
    assert not models.IntegerField().has_default()
    assert models.IntegerField(db_default=3).has_db_default()


@pytest.mark.parametrize(
    ("field", "fill"),
    [
        (models.IntegerField(default=5), 5),
        (models.IntegerField(null=True), None),
        (models.CharField(max_length=5, blank=True), ""),
        (models.TextField(blank=True), ""),
        (models.BinaryField(blank=True), b""),
    ],
)
def test_value_that_fills_existing_rows_of_a_new_column(field, fill):
    assert field.effective_default() == fill


def test_auto_now_fills_existing_rows_with_the_current_time():
    before = datetime.datetime.now(datetime.UTC)

    value = models.DateTimeField(auto_now_add=True).effective_default()

    assert before <= value <= datetime.datetime.now(datetime.UTC)
    assert models.DateField(auto_now=True).effective_default() == datetime.date.today()


# -- Relations ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "label"),
    [
        ("pages.Article", "pages.article"),
        ("Pages.ARTICLE", "pages.article"),
        ("shop.Item", "shop.item"),
    ],
)
def test_relation_target_labels_are_lowercase(target, label):
    assert models.ForeignKey(target, models.CASCADE).to == label
    assert models.ManyToManyField(target).to == label


def test_relation_to_a_model_class_names_its_label():
    from tests.states import declare

    (tag,) = declare("pages", "class Tag(models.Model):\n    pass\n")

    assert models.ForeignKey(tag, models.CASCADE).to == "pages.tag"
    assert models.ManyToManyField(tag, through=tag).through == "pages.tag"


def test_relative_and_self_targets_resolve_in_the_declaring_app():
    from tests.states import declare

    (node,) = declare(
        "pages",
        """
class Node(models.Model):
    parent = models.ForeignKey('self', models.CASCADE)
    sibling = models.ForeignKey('Node', models.CASCADE, related_name='+')
    links = models.ManyToManyField('self', through='Link')
""",
    )

    fields = node._meta.fields
    assert fields["parent"].to == "pages.node"
    assert fields["sibling"].to == "pages.node"
    assert fields["links"].to == "pages.node"
    assert fields["links"].through == "pages.link"


@pytest.mark.parametrize(
    ("rule", "path", "args", "action"),
    [
        (models.CASCADE, "dbshift.models.CASCADE", (), "CASCADE"),
        (models.PROTECT, "dbshift.models.PROTECT", (), "RESTRICT"),
        (models.RESTRICT, "dbshift.models.RESTRICT", (), "RESTRICT"),
        (models.SET_NULL, "dbshift.models.SET_NULL", (), "SET NULL"),
        (models.SET_DEFAULT, "dbshift.models.SET_DEFAULT", (), "SET DEFAULT"),
        (models.DO_NOTHING, "dbshift.models.DO_NOTHING", (), None),
        (models.SET(5), "dbshift.models.SET", (5,), None),
    ],
)
def test_on_delete_rules_deconstruct_and_map_to_sql(rule, path, args, action):
    assert rule.deconstruct() == (path, args, {})
    assert rule.sql_action == action


def test_attname_and_column_of_a_foreign_key():
    fk = models.ForeignKey("pages.a", models.CASCADE)

    assert fk.attname("author") == "author_id"
    assert fk.column_name("author") == "author_id"
    assert (
        models.ForeignKey("pages.a", models.CASCADE, db_column="who").column_name("author") == "who"
    )


def test_many_to_many_is_not_a_column():
    assert models.ManyToManyField("pages.tag").concrete is False
    assert models.ManyToManyField("pages.tag").has_auto_table
    assert not models.ManyToManyField("pages.tag", through="pages.t").has_auto_table


# -- Declarations that cannot work --------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "message"),
    [
        (models.CharField(), r"pages\.Article\.title: CharField needs max_length"),
        (models.CharField(max_length=0), r"pages\.Article\.title: max_length must be positive"),
        (models.CharField(max_length=True), r"pages\.Article\.title: CharField needs max_length"),
        (models.SlugField(max_length=None), r"pages\.Article\.title: SlugField needs max_length"),
        (
            models.DecimalField(max_digits=5),
            r"pages\.Article\.title: DecimalField needs decimal_places",
        ),
        (
            models.DecimalField(max_digits=2, decimal_places=3),
            r"decimal_places \(3\) cannot exceed max_digits \(2\)",
        ),
        (models.ForeignKey("pages.a"), r"pages\.Article\.title: ForeignKey needs on_delete"),
        (models.ForeignKey("pages.a", models.SET_NULL), r"on_delete=SET_NULL needs null=True"),
        (
            models.ForeignKey("pages.a", models.SET_DEFAULT),
            r"on_delete=SET_DEFAULT needs a default",
        ),
        (models.AutoField(), r"pages\.Article\.title: AutoField must set primary_key=True"),
        (models.IntegerField(primary_key=True, null=True), r"a primary key cannot be null"),
        (models.ManyToManyField("pages.t", default=1), r"a ManyToManyField cannot have a default"),
        (
            models.ManyToManyField("pages.t", through="pages.x", db_table="y"),
            r"db_table cannot be set together with through",
        ),
        (models.IntegerField(db_column=""), r"db_column must be a non-empty string"),
    ],
)
def test_field_check_names_the_model_and_field(field, message):
    with pytest.raises(ModelDefinitionError, match=message):
        field.check("pages.Article", "title")


# -- Choices ---------------------------------------------------------------------------------


def test_text_and_integer_choices():
    class Status(models.TextChoices):
        DRAFT = "d", "Draft"
        IN_REVIEW = "r"

    class Level(models.IntegerChoices):
        LOW = 1, "Low"
        HIGH = 2

    assert Status.choices == [("d", "Draft"), ("r", "In Review")]
    assert Status.values == ["d", "r"]
    assert Status.labels == ["Draft", "In Review"]
    assert Status.DRAFT == "d" and str(Status.DRAFT) == "d"
    assert Level.choices == [(1, "Low"), (2, "High")]
    assert Level.HIGH == 2
    field = models.CharField(max_length=1, choices=Status.choices, default=Status.DRAFT)
    assert field.deconstruct()[2]["choices"] == [("d", "Draft"), ("r", "In Review")]


def test_values_of_every_python_type_a_field_holds_are_kept():
    values = [
        decimal.Decimal("1.50"),
        datetime.date(2024, 1, 1),
        datetime.time(1, 2),
        datetime.timedelta(days=1),
        uuid.UUID(int=7),
        {"a": [1, 2]},
        b"\x00",
    ]
    for value in values:
        assert models.JSONField(default=value).deconstruct()[2] == {"default": value}
