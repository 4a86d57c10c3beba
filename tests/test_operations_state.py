"""Each operation: its effect on the state, its description and its name fragment."""

from __future__ import annotations

import pytest

from dbshift import models
from dbshift.exceptions import BadMigrationError
from dbshift.migrations import operations as ops
from dbshift.migrations.state import ProjectState
from dbshift.models.fields import NOT_PROVIDED
from tests.states import state

ARTICLE = """
class Article(models.Model):
    title = models.CharField(max_length=200)
    body = models.TextField()
    class Meta:
        indexes = [models.Index(fields=['title'], name='title_idx')]
        constraints = [models.CheckConstraint(condition=models.Q(title__gt=''), name='has_title')]
"""

INDEX = models.Index(fields=["title", "-body"], name="Art_Idx")
CHECK = models.CheckConstraint(condition=models.Q(title__gt="a"), name="C_pos")

# Descriptions, name fragments and symbols as Django 5.2 gives them for the same operations.
DESCRIPTIONS = [
    (
        ops.CreateModel("Article", [("id", models.AutoField(primary_key=True))]),
        "Create model Article",
        "article",
        "+",
    ),
    (
        ops.CreateModel(
            "Article", [("id", models.AutoField(primary_key=True))], options={"proxy": True}
        ),
        "Create proxy model Article",
        "article",
        "+",
    ),
    (ops.DeleteModel("Article"), "Delete model Article", "delete_article", "-"),
    (
        ops.RenameModel("Article", "Post"),
        "Rename model Article to Post",
        "rename_article_post",
        "~",
    ),
    (
        ops.AlterModelTable("article", "pages_x"),
        "Rename table for article to pages_x",
        "alter_article_table",
        "~",
    ),
    (
        ops.AlterModelTable("article", None),
        "Rename table for article to (default)",
        "alter_article_table",
        "~",
    ),
    (
        ops.AlterModelTableComment("article", "hi"),
        "Alter article table comment",
        "alter_article_table_comment",
        "~",
    ),
    (
        ops.AlterModelOptions("article", {}),
        "Change Meta options on article",
        "alter_article_options",
        "~",
    ),
    (
        ops.AlterUniqueTogether("article", {("a", "b")}),
        "Alter unique_together for article (1 constraint(s))",
        "alter_article_unique_together",
        "~",
    ),
    (
        ops.AlterUniqueTogether("article", set()),
        "Alter unique_together for article (0 constraint(s))",
        "alter_article_unique_together",
        "~",
    ),
    (
        ops.AddField("article", "slug", models.SlugField()),
        "Add field slug to article",
        "article_slug",
        "+",
    ),
    (
        ops.RemoveField("article", "slug"),
        "Remove field slug from article",
        "remove_article_slug",
        "-",
    ),
    (
        ops.AlterField("article", "slug", models.SlugField()),
        "Alter field slug on article",
        "alter_article_slug",
        "~",
    ),
    (
        ops.RenameField("article", "title", "headline"),
        "Rename field title on article to headline",
        "rename_title_article_headline",
        "~",
    ),
    (
        ops.AddIndex("article", INDEX),
        "Create index Art_Idx on field(s) title, -body of model article",
        "article_art_idx",
        "+",
    ),
    (
        ops.RemoveIndex("article", "Art_Idx"),
        "Remove index Art_Idx from article",
        "remove_article_art_idx",
        "-",
    ),
    (
        ops.RenameIndex("article", new_name="New_Idx", old_name="Old_Idx"),
        "Rename index Old_Idx on article to New_Idx",
        "rename_old_idx_new_idx",
        "~",
    ),
    (
        ops.AddConstraint("article", CHECK),
        "Create constraint C_pos on model article",
        "article_c_pos",
        "+",
    ),
    (
        ops.RemoveConstraint("article", "C_pos"),
        "Remove constraint C_pos from model article",
        "remove_article_c_pos",
        "-",
    ),
]


@pytest.mark.parametrize(("operation", "description", "fragment", "symbol"), DESCRIPTIONS)
def test_description_fragment_and_symbol_match_django(operation, description, fragment, symbol):
    assert operation.describe() == description
    assert operation.migration_name_fragment == fragment
    assert operation.category.value == symbol


@pytest.mark.parametrize(("operation", "description", "fragment", "symbol"), DESCRIPTIONS)
def test_operation_rebuilt_from_its_deconstruction_is_equal(
    operation, description, fragment, symbol
):
    name, kwargs = operation.deconstruct()

    rebuilt = getattr(ops, name)(**kwargs)

    assert rebuilt == operation
    assert type(rebuilt) is type(operation)


def applied(operation: ops.Operation, start: ProjectState | None = None) -> ProjectState:
    current = (start or state(pages=ARTICLE)).clone()
    operation.state_forwards("pages", current)
    return current


def article_of(current: ProjectState):
    return current.get_model("pages", "article")


def test_create_model():
    operation = ops.CreateModel(
        "Tag",
        [("id", models.BigAutoField(primary_key=True)), ("name", models.CharField(max_length=5))],
        options={"db_table": "tags"},
    )

    model = applied(operation).get_model("pages", "tag")

    assert model.name == "Tag"
    assert list(model.fields) == ["id", "name"]
    assert model.db_table == "tags"


def test_create_model_lists_each_field_once():
    with pytest.raises(BadMigrationError, match="CreateModel Tag: field"):
        ops.CreateModel("Tag", [("a", models.IntegerField()), ("a", models.IntegerField())])


def test_delete_model():
    assert not applied(ops.DeleteModel("Article")).has_model("pages", "article")


def test_rename_model():
    current = applied(ops.RenameModel("Article", "Post"))

    assert current.get_model("pages", "post").name == "Post"
    assert not current.has_model("pages", "article")


def test_alter_model_table_and_back_to_the_default():
    assert article_of(applied(ops.AlterModelTable("article", "stories"))).db_table == "stories"
    current = applied(
        ops.AlterModelTable("article", None), applied(ops.AlterModelTable("article", "x"))
    )
    assert article_of(current).db_table == "pages_article"
    assert "db_table" not in article_of(current).options


def test_alter_model_table_comment_sets_and_clears():
    current = applied(ops.AlterModelTableComment("article", "Stories"))
    assert article_of(current).options["db_table_comment"] == "Stories"
    current = applied(ops.AlterModelTableComment("article", None), current)
    assert "db_table_comment" not in article_of(current).options


def test_alter_model_options():
    current = applied(ops.AlterModelOptions("article", {"ordering": ["-id"], "managed": False}))

    assert article_of(current).options["ordering"] == ["-id"]
    assert article_of(current).managed is False
    current = applied(ops.AlterModelOptions("article", {}), current)
    assert "ordering" not in article_of(current).options
    assert article_of(current).managed is True


def test_alter_unique_together():
    current = applied(ops.AlterUniqueTogether("article", [("title", "body")]))

    assert article_of(current).unique_together == {("title", "body")}
    current = applied(ops.AlterUniqueTogether("article", set()), current)
    assert article_of(current).unique_together == set()


def test_add_field_with_and_without_keeping_the_default():
    kept = applied(ops.AddField("article", "slug", models.SlugField(default="x")))
    one_off = applied(
        ops.AddField("article", "slug", models.SlugField(default="x"), preserve_default=False)
    )

    assert article_of(kept).fields["slug"].default == "x"
    assert article_of(one_off).fields["slug"].default is NOT_PROVIDED
    assert list(article_of(kept).fields)[-1] == "slug"


def test_remove_field_drops_its_index_and_constraint():
    model = article_of(applied(ops.RemoveField("article", "title")))

    assert "title" not in model.fields
    assert model.indexes == []
    assert model.constraints == []


def test_alter_field_with_and_without_keeping_the_default():
    kept = applied(ops.AlterField("article", "body", models.TextField(default="x")))
    one_off = applied(
        ops.AlterField("article", "body", models.TextField(default="x"), preserve_default=False)
    )

    assert article_of(kept).fields["body"].default == "x"
    assert article_of(one_off).fields["body"].default is NOT_PROVIDED


def test_rename_field_keeps_position_and_follows_in_index_and_constraint():
    model = article_of(applied(ops.RenameField("article", "title", "headline")))

    assert list(model.fields) == ["id", "headline", "body"]
    assert model.get_index("title_idx").fields == ["headline"]
    assert model.get_constraint("has_title").condition == models.Q(headline__gt="")


def sql_check(sql: str) -> models.CheckConstraint:
    condition = models.RawSQL(sql, [], output_field=models.BooleanField())
    return models.CheckConstraint(condition=condition, name="sql_check")


@pytest.mark.parametrize(
    ("operation", "condition"),
    [
        (ops.RenameField("article", "body", "text"), "text <> 'body' AND \"text\" > title"),
        (
            ops.AlterField("article", "body", models.TextField(db_column="Main Text")),
            '"Main Text" <> \'body\' AND "Main Text" > title',
        ),
        (ops.RenameField("article", "title", "headline"), "body <> 'body' AND \"body\" > headline"),
        (
            ops.AlterField("article", "body", models.TextField(db_comment="words")),
            "body <> 'body' AND \"body\" > title",
        ),
    ],
)
def test_check_of_sql_text_follows_its_column_as_the_database_does(operation, condition):
    """PostgreSQL and SQLite rewrite a check when a column it reads is renamed."""
    start = applied(ops.AddConstraint("article", sql_check("body <> 'body' AND \"body\" > title")))

    model = article_of(applied(operation, start))

    assert model.get_constraint("sql_check").condition.sql == condition


def test_index_operations():
    current = applied(ops.AddIndex("article", INDEX))
    assert [index.name for index in article_of(current).indexes] == ["title_idx", "Art_Idx"]

    current = applied(ops.RenameIndex("article", new_name="b_idx", old_name="Art_Idx"), current)
    assert article_of(current).get_index("b_idx").fields == ["title", "-body"]

    current = applied(ops.RemoveIndex("article", "b_idx"), current)
    assert [index.name for index in article_of(current).indexes] == ["title_idx"]


def test_constraint_operations():
    current = applied(ops.AddConstraint("article", CHECK))
    assert [item.name for item in article_of(current).constraints] == ["has_title", "C_pos"]

    current = applied(ops.RemoveConstraint("article", "has_title"), current)
    assert [item.name for item in article_of(current).constraints] == ["C_pos"]


@pytest.mark.parametrize(
    ("operation", "message"),
    [
        (ops.AddField("post", "x", models.IntegerField()), r"Model 'pages\.post' does not exist"),
        (ops.AddField("article", "title", models.IntegerField()), "'title' already exists"),
        (ops.RemoveField("article", "nope"), "has no field 'nope'"),
        (ops.AlterField("article", "nope", models.IntegerField()), "has no field 'nope'"),
        (ops.RenameField("article", "nope", "x"), "has no field 'nope'"),
        (ops.RenameField("article", "title", "body"), "that field exists"),
        (ops.DeleteModel("Post"), r"Model 'pages\.Post' does not exist"),
        (ops.RenameModel("Post", "Story"), r"Model 'pages\.Post' does not exist"),
        (ops.CreateModel("Article", []), "already exists"),
        (
            ops.AddIndex("article", models.Index(fields=["body"], name="title_idx")),
            "already exists",
        ),
        (ops.RemoveIndex("article", "nope"), "no index named 'nope'"),
        (ops.RenameIndex("article", new_name="x", old_name="nope"), "no index named 'nope'"),
        (ops.AddConstraint("article", CHECK.with_name("has_title")), "already exists"),
        (ops.RemoveConstraint("article", "nope"), "no constraint named 'nope'"),
    ],
)
def test_operation_that_does_not_fit_the_state_says_what_is_wrong(operation, message):
    with pytest.raises(BadMigrationError, match=message):
        applied(operation)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: ops.CreateModel("not a name", []), "model name 'not a name' is not an identifier"),
        (lambda: ops.DeleteModel(""), "model name '' is not an identifier"),
        (lambda: ops.RenameModel("A", "B-C"), "new name 'B-C' is not an identifier"),
        (lambda: ops.AddField("a", "1x", models.IntegerField()), "field name '1x' is not"),
        (lambda: ops.RenameField("a", "x", "y z"), "new field name 'y z' is not"),
        (lambda: ops.AddIndex("a", models.Index(fields=["x"])), "the index needs a name"),
        (lambda: ops.RenameIndex("a", new_name="x"), "give exactly one of old_name and old_fields"),
    ],
)
def test_operation_arguments_are_checked(build, message):
    with pytest.raises(BadMigrationError, match=message):
        build()


def test_operations_compare_by_what_they_do():
    assert ops.AddField("a", "b", models.IntegerField()) == ops.AddField(
        "a", "b", models.IntegerField()
    )
    assert ops.AddField("a", "b", models.IntegerField()) != ops.AddField(
        "a", "b", models.IntegerField(null=True)
    )
    assert ops.AddField("a", "b", models.IntegerField()) != ops.AlterField(
        "a", "b", models.IntegerField()
    )
