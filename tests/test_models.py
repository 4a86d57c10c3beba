"""Model classes: the automatic key, Meta, abstract bases, and declarations refused."""

from __future__ import annotations

import pytest

from dbshift import models
from dbshift.exceptions import ModelDefinitionError
from dbshift.migrations.state import ModelState
from tests.states import declare


def one(source: str, app_label: str = "pages") -> type:
    (model,) = declare(app_label, source)
    return model


def test_automatic_primary_key_is_a_big_auto_field_called_id_first():
    model = one("class Article(models.Model):\n    title = models.CharField(max_length=5)\n")

    assert list(model._meta.fields) == ["id", "title"]
    key = model._meta.fields["id"]
    assert type(key) is models.BigAutoField
    assert key.deconstruct()[2] == {"auto_created": True, "primary_key": True}
    assert model._meta.pk_name == "id"


def test_explicit_primary_key_replaces_the_automatic_one():
    model = one(
        "class Code(models.Model):\n    code = models.CharField(max_length=5, primary_key=True)\n"
    )

    assert list(model._meta.fields) == ["code"]
    assert model._meta.pk_name == "code"


def test_fields_keep_declaration_order_with_many_to_many_last():
    model = one(
        """
class Article(models.Model):
    tags = models.ManyToManyField('Tag')
    title = models.CharField(max_length=5)
    author = models.ForeignKey('Author', models.CASCADE)
    body = models.TextField()
"""
    )

    assert list(model._meta.fields) == ["id", "title", "author", "body", "tags"]


def test_table_name_label_and_app_label():
    model = one("class BlogPost(models.Model):\n    pass\n")

    assert model._meta.db_table == "pages_blogpost"
    assert model._meta.label == "pages.BlogPost"
    assert model._meta.label_lower == "pages.blogpost"


def test_meta_db_table_and_app_label():
    model = one(
        """
class Post(models.Model):
    class Meta:
        app_label = 'blog'
        db_table = 'posts'
""",
        app_label="blog",
    )

    assert model._meta.app_label == "blog"
    assert model._meta.db_table == "posts"


def test_state_of_a_model_keeps_the_declared_meta_options():
    model = one(
        """
class Article(models.Model):
    title = models.CharField(max_length=5)
    slug = models.SlugField()
    class Meta:
        db_table = 'stories'
        db_table_comment = 'All stories'
        ordering = ['-title']
        verbose_name = 'story'
        unique_together = ('title', 'slug')
        indexes = [models.Index(fields=['slug'], name='slug_idx')]
        constraints = [models.CheckConstraint(condition=models.Q(title__gt=''), name='c')]
        managed = False
"""
    )

    state = ModelState.from_model(model)

    assert state.app_label == "pages" and state.name == "Article"
    assert state.options["db_table"] == "stories"
    assert state.options["db_table_comment"] == "All stories"
    assert state.options["ordering"] == ["-title"]
    assert state.options["verbose_name"] == "story"
    assert state.options["unique_together"] == {("title", "slug")}
    assert [index.name for index in state.options["indexes"]] == ["slug_idx"]
    assert [item.name for item in state.options["constraints"]] == ["c"]
    assert state.options["managed"] is False
    assert state.managed is False


def test_state_of_a_plain_model_has_no_options():
    state = ModelState.from_model(one("class Article(models.Model):\n    pass\n"))

    assert dict(state.options) == {}


# -- Abstract bases -----------------------------------------------------------------------------

BASE = """
class Stamped(models.Model):
    created = models.DateTimeField(auto_now_add=True)
    class Meta:
        abstract = True
        ordering = ['-created']
        indexes = [models.Index(fields=['created'], name='%(app_label)s_%(class)s_created')]
"""


def test_abstract_model_is_not_a_table_and_children_get_its_fields():
    article, comment = declare(
        "pages",
        BASE
        + "class Article(Stamped):\n    title = models.CharField(max_length=5)\n"
        + "class Comment(Stamped):\n    pass\n",
    )

    assert [model.__name__ for model in (article, comment)] == ["Article", "Comment"]
    assert list(article._meta.fields) == ["id", "created", "title"]
    assert article._meta.fields["created"] is not comment._meta.fields["created"]
    assert article._meta.fields["created"].model is article


def test_child_without_meta_inherits_the_abstract_meta_with_names_filled_in():
    article = one(BASE + "class Article(Stamped):\n    pass\n")

    assert article._meta.abstract is False
    assert article._meta.ordering == ["-created"]
    assert [index.name for index in article._meta.indexes] == ["pages_article_created"]


def test_child_meta_that_subclasses_the_parent_meta_inherits_it():
    article = one(
        BASE
        + "class Article(Stamped):\n"
        + "    class Meta(Stamped.Meta):\n"
        + "        db_table = 'stories'\n"
    )

    assert article._meta.abstract is False
    assert article._meta.db_table == "stories"
    assert article._meta.ordering == ["-created"]


def test_child_with_its_own_meta_does_not_inherit_the_parent_meta():
    article = one(BASE + "class Article(Stamped):\n    class Meta:\n        db_table = 'stories'\n")

    assert article._meta.ordering == []
    assert article._meta.indexes == []


def test_concrete_parent_is_refused():
    with pytest.raises(ModelDefinitionError, match="multi-table inheritance is not supported"):
        declare(
            "pages",
            "class Place(models.Model):\n    pass\nclass Restaurant(Place):\n    pass\n",
        )


# -- Unnamed indexes ----------------------------------------------------------------------------


def test_unnamed_index_gets_the_name_django_gives_it():
    # Names Django 5.2 generated for the same declarations: migration files written by
    # Django must agree with models.py read by dbshift.
    model = one(
        """
class A(models.Model):
    title = models.CharField(max_length=10)
    body = models.TextField(db_column='Body_col')
    class Meta:
        indexes = [models.Index(fields=['title']), models.Index(fields=['-body', 'title'])]
"""
    )
    long_model = one(
        """
class ArticleWithAVeryLongName(models.Model):
    some_very_long_field_name = models.CharField(max_length=10)
    class Meta:
        indexes = [models.Index(fields=['some_very_long_field_name'])]
"""
    )

    assert [index.name for index in model._meta.indexes] == [
        "pages_a_title_b2f464_idx",
        "pages_a_Body_co_d36b49_idx",
    ]
    assert [index.name for index in long_model._meta.indexes] == ["pages_artic_some_ve_3b0b00_idx"]


def test_unnamed_index_name_never_starts_with_an_underscore_or_digit():
    hidden, dated = declare(
        "pages",
        """
class A(models.Model):
    n = models.IntegerField()
    class Meta:
        db_table = '_hidden'
        indexes = [models.Index(fields=['n'])]
class B(models.Model):
    n = models.IntegerField()
    class Meta:
        db_table = '2024_data'
        indexes = [models.Index(fields=['-n'])]
""",
    )

    assert [index.name for index in hidden._meta.indexes] == ["Dhidden_n_6d120c_idx"]
    assert [index.name for index in dated._meta.indexes] == ["D024_data_n_cb88d6_idx"]


def test_unnamed_index_on_a_foreign_key_is_named_after_its_column():
    model = one(
        """
class Article(models.Model):
    tag = models.ForeignKey('Tag', models.CASCADE)
    class Meta:
        indexes = [models.Index(fields=['tag'])]
"""
    )

    (index,) = model._meta.indexes
    assert index.name.startswith("pages_artic_tag_id_")
    assert index.name.endswith("_idx")


# -- Declarations refused with a message naming model and field ----------------------------------


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "class A(models.Model):\n    a = models.IntegerField(db_column='x')\n"
            "    b = models.IntegerField(db_column='x')\n",
            r"pages\.A: fields 'a' and 'b' both use column 'x'",
        ),
        (
            "class A(models.Model):\n    author = models.ForeignKey('B', models.CASCADE)\n"
            "    author_id = models.IntegerField()\n",
            r"pages\.A: fields 'author' and 'author_id' both use column 'author_id'",
        ),
        (
            "class A(models.Model):\n    title = models.CharField()\n",
            r"pages\.A\.title: CharField needs max_length",
        ),
        (
            "class A(models.Model):\n    name_ = models.IntegerField()\n",
            r"pages\.A\.name_: field names may not end with '_'",
        ),
        (
            "class A(models.Model):\n    a__b = models.IntegerField()\n",
            r"pages\.A\.a__b: field names may not",
        ),
        (
            "class A(models.Model):\n    pk = models.IntegerField()\n",
            r"pages\.A\.pk: field names may not",
        ),
        (
            "class A(models.Model):\n    a = models.IntegerField(primary_key=True)\n"
            "    b = models.IntegerField(primary_key=True)\n",
            r"pages\.A has more than one primary_key=True field",
        ),
        ("class A(models.Model):\n    id = models.IntegerField()\n", r"A field named 'id'"),
        (
            "class A(models.Model):\n    class Meta:\n        colour = 'red'\n",
            r"Model A: 'class Meta' has unknown option\(s\) colour",
        ),
        (
            "class A(models.Model):\n    class Meta:\n        unique_together = [('x', 'y')]\n",
            r"pages\.A: unique_together refers to 'x'",
        ),
        (
            "class A(models.Model):\n    class Meta:\n"
            "        indexes = [models.Index(fields=['nope'], name='i')]\n",
            r"pages\.A: index 'i' refers to 'nope'",
        ),
        (
            "class A(models.Model):\n    class Meta:\n        constraints = "
            "[models.CheckConstraint(condition=models.Q(nope__gt=1), name='c')]\n",
            r"pages\.A: constraint 'c' refers to 'nope'",
        ),
        (
            "class A(models.Model):\n    n = models.IntegerField()\n    class Meta:\n"
            "        indexes = [models.Index(fields=['n'], name='x')]\n"
            "        constraints = [models.UniqueConstraint(fields=['n'], name='x')]\n",
            r"pages\.A: two indexes or constraints are named 'x'",
        ),
    ],
)
def test_model_that_cannot_be_a_table_is_refused(source, message):
    with pytest.raises(ModelDefinitionError, match=message):
        declare("pages", source)


def test_constraint_on_a_foreign_key_may_use_its_attname():
    model = one(
        """
class A(models.Model):
    parent = models.ForeignKey('self', models.CASCADE, null=True)
    class Meta:
        constraints = [models.CheckConstraint(condition=~models.Q(parent_id=1), name='c')]
"""
    )

    assert [item.name for item in model._meta.constraints] == ["c"]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: models.Index(fields=[]), "needs at least one field"),
        (lambda: models.Index(fields="title", name="i"), "must be a list of field names"),
        (lambda: models.Index(fields=["a"], condition=models.Q(a=1)), "needs a name"),
        (lambda: models.Index(models.F("a")), "over expressions needs a name"),
        (lambda: models.Index(models.F("a"), fields=["a"], name="i"), "not both"),
        (lambda: models.Index(fields=["a", "b"], name="i", opclasses=["x"]), "one entry per field"),
        (lambda: models.CheckConstraint(name="c"), "needs condition"),
        (lambda: models.CheckConstraint(condition="a > 1", name="c"), "must be a Q object"),
        (
            lambda: models.CheckConstraint(condition=models.RawSQL("a > 1", []), name="c"),
            r"output_field=BooleanField\(\)",
        ),
        (
            lambda: models.CheckConstraint(
                condition=models.RawSQL("a > %s", [1], output_field=models.BooleanField()),
                name="c",
            ),
            "takes no params",
        ),
        (lambda: models.UniqueConstraint(fields=[], name="u"), "needs fields"),
        (lambda: models.UniqueConstraint(fields=["a"], name=""), "needs a name"),
        (
            lambda: models.UniqueConstraint(
                fields=["a"],
                name="u",
                condition=models.Q(a=1),
                deferrable=models.Deferrable.DEFERRED,
            ),
            "cannot be both deferrable and partial",
        ),
    ],
)
def test_index_and_constraint_declarations_are_checked(build, message):
    with pytest.raises(ModelDefinitionError, match=message):
        build()


def test_check_constraint_accepts_djangos_older_check_argument():
    old = models.CheckConstraint(check=models.Q(a__gt=1), name="c")
    new = models.CheckConstraint(condition=models.Q(a__gt=1), name="c")

    assert old == new
    assert old.deconstruct() == (
        "dbshift.models.CheckConstraint",
        (),
        {"condition": models.Q(a__gt=1), "name": "c"},
    )


# -- Q conditions ----------------------------------------------------------------------------------


def test_q_objects_combine_as_django_deconstructs_them():
    condition = (models.Q(a__gt=1) & models.Q(b__lte=2)) | ~models.Q(c__in=[1, 2])

    assert condition.deconstruct() == (
        "dbshift.models.Q",
        (
            models.Q(a__gt=1) & models.Q(b__lte=2),
            models.Q(c__in=[1, 2], _negated=True),
        ),
        {"_connector": "OR"},
    )
    assert (models.Q(a__gt=1) & models.Q(b__lte=2)).deconstruct() == (
        "dbshift.models.Q",
        (("a__gt", 1), ("b__lte", 2)),
        {},
    )
    assert condition.referenced_fields() == {"a", "b", "c"}


def test_q_keyword_lookups_are_sorted_and_field_references_are_followed():
    condition = models.Q(z=1, a__isnull=True, end__gt=models.F("start"))

    assert condition.children == [("a__isnull", True), ("end__gt", models.F("start")), ("z", 1)]
    assert condition.referenced_fields() == {"a", "end", "start", "z"}
    renamed = condition.with_field_renamed("start", "begin")
    assert ("end__gt", models.F("begin")) in renamed.children


def test_model_instances_take_defaults_and_reject_unknown_fields():
    model = one(
        """
class Article(models.Model):
    title = models.CharField(max_length=5, default='x')
    author = models.ForeignKey('self', models.CASCADE, null=True)
"""
    )

    article = model(author_id=3)

    assert article.title == "x"
    assert article.author_id == 3
    with pytest.raises(TypeError, match="colour"):
        model(colour="red")


# -- Models in a project ---------------------------------------------------------------------------

STAMPED = """
from dbshift import models


class Stamped(models.Model):
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
"""


def test_abstract_base_may_live_outside_any_app(project):
    project.write("common/__init__.py", "")
    project.write("common/base.py", STAMPED)
    project.models(
        "pages",
        "from common.base import Stamped\n\n"
        "class Article(Stamped):\n    title = models.CharField(max_length=5)\n",
    )

    result = project.run("makemigrations")

    assert result.code == 0, result.output
    source = project.migration_source("pages", "0001_initial")
    assert '("created", models.DateTimeField(auto_now_add=True)),' in source


def test_concrete_model_outside_any_app_is_refused(project):
    project.write("common/__init__.py", "")
    project.write(
        "common/base.py", STAMPED.replace("        abstract = True\n", "        ordering = []\n")
    )
    project.models("pages", "from common.base import Stamped\n")

    result = project.run("makemigrations")

    assert result.code == 1
    assert "Model Stamped in module common.base is not inside an installed app" in result.stderr


def test_a_proxy_model_is_refused_with_its_own_message(project):
    project.models(
        "pages",
        """
        class Article(models.Model):
            title = models.CharField(max_length=10)


        class Draft(Article):
            class Meta:
                proxy = True
        """,
    )

    result = project.run("makemigrations")

    assert result.code == 1
    assert "Model Draft: proxy models are not supported" in result.stderr
    assert "multi-table" not in result.stderr
