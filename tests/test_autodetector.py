"""The autodetector: every kind of model change becomes the right operations.

Expected operations are written from Django 5.2's behaviour on the same change,
except where dbshift deliberately differs (changes to non-database options alone
are not changes).
"""

from __future__ import annotations

import re

import pytest

from dbshift.exceptions import UserAbort
from dbshift.migrations import operations as ops
from dbshift.models.fields import NOT_PROVIDED
from tests.states import (
    ScriptedQuestioner,
    apply_in_order,
    described,
    detect,
    graph_with,
    operations_of,
    state,
)

ARTICLE = """
class Article(models.Model):
    title = models.CharField(max_length=200)
"""


def article(extra: str = "", meta: str = "") -> str:
    source = ARTICLE + extra
    if meta:
        source += "    class Meta:\n" + meta
    return source


def only_operation(changes, app_label="pages"):
    (migration,) = changes[app_label]
    (operation,) = migration.operations
    return operation


# -- No change --------------------------------------------------------------------------


def test_identical_models_need_no_migration():
    assert detect(state(pages=ARTICLE), state(pages=ARTICLE)) == {}


@pytest.mark.parametrize(
    "options",
    [
        "verbose_name='Title'",
        "help_text='The headline'",
        "blank=True",
        "choices=[('a', 'A'), ('b', 'B')]",
        "editable=False",
        "serialize=False",
        "validators=[int]",
        "verbose_name='T', help_text='h', blank=True, choices=[('x', 'X')], editable=False",
    ],
)
def test_change_of_non_database_field_options_alone_is_no_change(options):
    after = (
        f"class Article(models.Model):\n    title = models.CharField(max_length=200, {options})\n"
    )

    assert detect(state(pages=ARTICLE), state(pages=after)) == {}
    assert detect(state(pages=after), state(pages=ARTICLE)) == {}


@pytest.mark.parametrize(
    "meta",
    [
        "        ordering = ['-title']\n",
        "        verbose_name = 'story'\n        verbose_name_plural = 'stories'\n",
        "        get_latest_by = 'title'\n",
        "        default_permissions = ()\n",
    ],
)
def test_change_of_non_database_meta_options_alone_is_no_change(meta):
    assert detect(state(pages=ARTICLE), state(pages=article(meta=meta))) == {}
    assert detect(state(pages=article(meta=meta)), state(pages=ARTICLE)) == {}


def test_non_database_change_beside_a_real_change_writes_only_the_real_change():
    after = article("    body = models.TextField(null=True)\n", "        ordering = ['title']\n")

    changes = detect(state(pages=ARTICLE), state(pages=after))

    assert described(changes) == {"pages": [["Add field body to article"]]}


# -- Models ---------------------------------------------------------------------------------


def test_new_model_is_created_with_the_automatic_primary_key_first():
    changes = detect(state(pages=""), state(pages=ARTICLE))

    operation = only_operation(changes)
    assert isinstance(operation, ops.CreateModel)
    assert operation.name == "Article"
    assert [name for name, _ in operation.fields] == ["id", "title"]
    path, _, kwargs = operation.fields[0][1].deconstruct()
    assert path == "dbshift.models.BigAutoField"
    assert kwargs == {"auto_created": True, "primary_key": True}
    assert changes["pages"][0].name == "0002_article"


def test_first_migration_of_an_app_is_initial():
    changes = detect(state(), state(pages=ARTICLE), graph=graph_with())

    (migration,) = changes["pages"]
    assert migration.name == "0001_initial"
    assert migration.initial is True
    assert migration.dependencies == []


def test_deleted_model_is_deleted():
    changes = detect(
        state(pages=ARTICLE + "class Tag(models.Model):\n    pass\n"), state(pages=ARTICLE)
    )

    operation = only_operation(changes)
    assert isinstance(operation, ops.DeleteModel)
    assert operation.name == "Tag"
    assert changes["pages"][0].name == "0002_delete_tag"


def test_create_model_carries_its_meta_options():
    after = article(
        "    slug = models.SlugField()\n",
        "        db_table = 'stories'\n"
        "        db_table_comment = 'All stories'\n"
        "        ordering = ['title']\n"
        "        unique_together = [('title', 'slug')]\n"
        "        indexes = [models.Index(fields=['slug'], name='slug_idx')]\n"
        "        constraints = [models.CheckConstraint(condition=models.Q(title__gt=''), "
        "name='has_title')]\n",
    )

    operation = only_operation(detect(state(pages=""), state(pages=after)))

    assert operation.options["db_table"] == "stories"
    assert operation.options["db_table_comment"] == "All stories"
    assert operation.options["ordering"] == ["title"]
    assert operation.options["unique_together"] == {("title", "slug")}
    assert [index.name for index in operation.options["indexes"]] == ["slug_idx"]
    assert [item.name for item in operation.options["constraints"]] == ["has_title"]


def test_renamed_model_is_a_rename_when_the_user_says_so():
    questioner = ScriptedQuestioner(renames=True)

    changes = detect(
        state(pages=ARTICLE),
        state(pages=ARTICLE.replace("Article", "Post")),
        questioner=questioner,
    )

    operation = only_operation(changes)
    assert isinstance(operation, ops.RenameModel)
    assert (operation.old_name, operation.new_name) == ("Article", "Post")
    assert questioner.asked == [("rename_model", "pages", "Article", "Post")]
    assert changes["pages"][0].name == "0002_rename_article_post"


def test_renamed_model_is_create_and_delete_when_the_user_says_no():
    questioner = ScriptedQuestioner(renames=False)

    changes = detect(
        state(pages=ARTICLE), state(pages=ARTICLE.replace("Article", "Post")), questioner
    )

    assert described(changes) == {"pages": [["Create model Post", "Delete model Article"]]}
    assert questioner.asked == [("rename_model", "pages", "Article", "Post")]


def test_without_a_questioner_a_renamed_model_is_not_a_rename():
    changes = detect(state(pages=ARTICLE), state(pages=ARTICLE.replace("Article", "Post")))

    assert described(changes) == {"pages": [["Create model Post", "Delete model Article"]]}


def test_model_with_different_fields_is_not_offered_as_a_rename():
    questioner = ScriptedQuestioner(renames=True)
    after = "class Post(models.Model):\n    title = models.CharField(max_length=100)\n"

    detect(state(pages=ARTICLE), state(pages=after), questioner)

    assert questioner.asked == []


def test_renamed_model_keeps_relations_pointing_at_it():
    before = ARTICLE + (
        "    category = models.ForeignKey('Category', models.CASCADE)\n"
        "class Category(models.Model):\n    name = models.CharField(max_length=20)\n"
    )
    after = before.replace("Category", "Section")

    changes = detect(state(pages=before), state(pages=after), ScriptedQuestioner(renames=True))

    assert described(changes) == {"pages": [["Rename model Category to Section"]]}


def test_renamed_model_and_a_changed_relation_to_it_in_one_run():
    # Django 5.2 writes the AlterField with the old target here ('pages.author'),
    # so its next run finds the change again; the new target is the right one.
    before = """
class Author(models.Model):
    name = models.CharField(max_length=5)
class Post(models.Model):
    author = models.ForeignKey(Author, models.CASCADE)
"""
    after = before.replace("Author", "Writer").replace("models.CASCADE", "models.PROTECT")
    before_state, after_state = state(pages=before), state(pages=after)

    changes = detect(before_state, after_state, ScriptedQuestioner(renames=True))

    assert described(changes) == {
        "pages": [["Rename model Author to Writer", "Alter field author on post"]]
    }
    assert changes["pages"][0].operations[1].field.to == "pages.writer"
    folded = before_state.clone()
    for operation in operations_of(changes, "pages"):
        operation.state_forwards("pages", folded)
    assert detect(folded, after_state) == {}


def test_renamed_model_keeps_relations_from_other_apps():
    before = state(
        pages="class Author(models.Model):\n    name = models.CharField(max_length=5)\n",
        shop="class Item(models.Model):\n"
        "    a = models.ForeignKey('pages.Author', models.CASCADE)\n",
    )
    after = state(
        pages="class Writer(models.Model):\n    name = models.CharField(max_length=5)\n",
        shop="class Item(models.Model):\n"
        "    a = models.ForeignKey('pages.Writer', models.CASCADE)\n",
    )

    changes = detect(before, after, ScriptedQuestioner(renames=True))

    assert described(changes) == {"pages": [["Rename model Author to Writer"]]}


def test_renamed_model_with_a_relation_to_itself_is_a_rename():
    before = "class Node(models.Model):\n    parent = models.ForeignKey('self', models.CASCADE)\n"

    changes = detect(
        state(pages=before),
        state(pages=before.replace("Node", "Tree")),
        ScriptedQuestioner(renames=True),
    )

    assert described(changes) == {"pages": [["Rename model Node to Tree"]]}


def test_model_rename_is_only_offered_within_one_app():
    questioner = ScriptedQuestioner(renames=True)

    changes = detect(
        state(pages=ARTICLE, shop=""),
        state(pages="", shop=ARTICLE),
        questioner,
        graph=graph_with(("pages", "0001_initial"), ("shop", "0001_initial")),
    )

    assert questioner.asked == []
    assert described(changes) == {
        "pages": [["Delete model Article"]],
        "shop": [["Create model Article"]],
    }


def test_db_table_change_is_alter_model_table():
    changes = detect(state(pages=ARTICLE), state(pages=article(meta="        db_table = 'x'\n")))

    operation = only_operation(changes)
    assert isinstance(operation, ops.AlterModelTable)
    assert operation.table == "x"
    assert operation.describe() == "Rename table for article to x"
    assert changes["pages"][0].name == "0002_alter_article_table"


def test_db_table_removed_goes_back_to_the_default_name():
    changes = detect(state(pages=article(meta="        db_table = 'x'\n")), state(pages=ARTICLE))

    operation = only_operation(changes)
    assert isinstance(operation, ops.AlterModelTable)
    assert operation.table is None
    assert operation.describe() == "Rename table for article to (default)"


def test_db_table_set_to_the_default_name_is_no_change():
    after = article(meta="        db_table = 'pages_article'\n")

    assert detect(state(pages=ARTICLE), state(pages=after)) == {}


def test_table_comment_change_is_alter_model_table_comment():
    after = article(meta="        db_table_comment = 'Stories'\n")

    operation = only_operation(detect(state(pages=ARTICLE), state(pages=after)))
    assert isinstance(operation, ops.AlterModelTableComment)
    assert operation.table_comment == "Stories"
    assert operation.describe() == "Alter article table comment"

    operation = only_operation(detect(state(pages=after), state(pages=ARTICLE)))
    assert operation.table_comment is None


@pytest.mark.parametrize(("before", "after"), [(True, False), (False, True)])
def test_managed_change_is_alter_model_options(before, after):
    meta = "        managed = {}\n        ordering = ['title']\n"

    changes = detect(
        state(pages=article(meta=meta.format(before))),
        state(pages=article(meta=meta.format(after))),
    )

    operation = only_operation(changes)
    assert isinstance(operation, ops.AlterModelOptions)
    assert operation.options.get("managed", True) is after
    assert operation.options["ordering"] == ["title"]
    assert operation.describe() == "Change Meta options on article"
    assert changes["pages"][0].name == "0002_alter_article_options"


# -- Fields -----------------------------------------------------------------------------


def test_added_nullable_field():
    changes = detect(
        state(pages=ARTICLE), state(pages=article("    body = models.TextField(null=True)\n"))
    )

    operation = only_operation(changes)
    assert isinstance(operation, ops.AddField)
    assert (operation.model_name, operation.name) == ("article", "body")
    assert operation.preserve_default is True
    assert changes["pages"][0].name == "0002_article_body"
    assert changes["pages"][0].dependencies == [("pages", "0001_initial")]


@pytest.mark.parametrize(
    "declaration",
    [
        "models.IntegerField(default=0)",
        "models.IntegerField(db_default=0)",
        "models.CharField(max_length=10, blank=True)",
        "models.TextField(blank=True)",
        "models.DateTimeField(auto_now=True)",
        "models.DateTimeField(auto_now_add=True)",
        "models.DateField(auto_now_add=True)",
        "models.ManyToManyField('Article')",
    ],
)
def test_added_field_that_fills_existing_rows_itself_asks_nothing(declaration):
    questioner = ScriptedQuestioner()

    changes = detect(
        state(pages=ARTICLE), state(pages=article(f"    extra = {declaration}\n")), questioner
    )

    operation = only_operation(changes)
    assert isinstance(operation, ops.AddField)
    assert operation.preserve_default is True
    assert questioner.asked == []


def test_added_not_null_field_takes_a_one_off_default():
    questioner = ScriptedQuestioner(default="untitled")

    changes = detect(
        state(pages=ARTICLE), state(pages=article("    body = models.TextField()\n")), questioner
    )

    operation = only_operation(changes)
    assert isinstance(operation, ops.AddField)
    assert operation.preserve_default is False
    assert operation.field.default == "untitled"
    assert questioner.asked == [("not_null_addition", "body", "article")]


def test_added_not_null_field_without_an_answer_stops_with_exit_code_3():
    with pytest.raises(UserAbort) as caught:
        detect(state(pages=ARTICLE), state(pages=article("    body = models.TextField()\n")))

    assert caught.value.exit_code == 3
    message = str(caught.value)
    assert "'body'" in message and "article" in message
    assert "default" in message


def test_one_off_default_is_not_kept_in_the_state():
    from dbshift.migrations.state import ProjectState

    questioner = ScriptedQuestioner(default=7)
    before = state(pages=ARTICLE)
    after = state(pages=article("    count = models.IntegerField()\n"))
    operation = only_operation(detect(before, after, questioner))

    folded = ProjectState(before.models)
    operation.state_forwards("pages", folded)

    assert folded == after
    assert folded.get_model("pages", "article").fields["count"].default is NOT_PROVIDED


def test_removed_field():
    changes = detect(state(pages=article("    body = models.TextField()\n")), state(pages=ARTICLE))

    operation = only_operation(changes)
    assert isinstance(operation, ops.RemoveField)
    assert (operation.model_name, operation.name) == ("article", "body")
    assert changes["pages"][0].name == "0002_remove_article_body"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("models.CharField(max_length=200)", "models.CharField(max_length=300)"),
        ("models.CharField(max_length=200)", "models.TextField()"),
        ("models.CharField(max_length=200)", "models.CharField(max_length=200, unique=True)"),
        ("models.CharField(max_length=200)", "models.CharField(max_length=200, db_index=True)"),
        ("models.CharField(max_length=200)", "models.CharField(max_length=200, null=True)"),
        ("models.CharField(max_length=200)", "models.CharField(max_length=200, default='x')"),
        ("models.CharField(max_length=200)", "models.CharField(max_length=200, db_default='x')"),
        ("models.CharField(max_length=200)", "models.CharField(max_length=200, db_column='t')"),
        ("models.CharField(max_length=200)", "models.CharField(max_length=200, db_comment='c')"),
        ("models.CharField(max_length=200)", "models.SlugField(max_length=200)"),
        ("models.IntegerField()", "models.BigIntegerField()"),
        (
            "models.DecimalField(max_digits=5, decimal_places=2)",
            "models.DecimalField(max_digits=7, decimal_places=2)",
        ),
        (
            "models.DecimalField(max_digits=5, decimal_places=2)",
            "models.DecimalField(max_digits=5, decimal_places=3)",
        ),
    ],
)
def test_altered_field(before, after):
    changes = detect(
        state(pages=f"class Article(models.Model):\n    title = {before}\n"),
        state(pages=f"class Article(models.Model):\n    title = {after}\n"),
    )

    operation = only_operation(changes)
    assert isinstance(operation, ops.AlterField)
    assert (operation.model_name, operation.name) == ("article", "title")
    assert changes["pages"][0].name == "0002_alter_article_title"


def test_callable_default_change_is_a_change():
    import uuid

    before = (
        "import uuid\nclass Item(models.Model):\n    key = models.UUIDField(default=uuid.uuid4)\n"
    )
    after = before.replace("uuid.uuid4", "uuid.uuid1")

    operation = only_operation(detect(state(pages=before), state(pages=after)))

    assert isinstance(operation, ops.AlterField)
    assert operation.field.default is uuid.uuid1


def test_nullable_made_not_null_asks_for_a_default_for_existing_nulls():
    questioner = ScriptedQuestioner(alteration_default="")
    before = (
        "class Article(models.Model):\n    title = models.CharField(max_length=200, null=True)\n"
    )

    operation = only_operation(detect(state(pages=before), state(pages=ARTICLE), questioner))

    assert isinstance(operation, ops.AlterField)
    assert operation.preserve_default is False
    assert operation.field.default == ""
    assert questioner.asked == [("not_null_alteration", "title", "article")]


def test_nullable_made_not_null_without_a_default_is_a_plain_alter():
    before = (
        "class Article(models.Model):\n    title = models.CharField(max_length=200, null=True)\n"
    )

    operation = only_operation(detect(state(pages=before), state(pages=ARTICLE)))

    assert isinstance(operation, ops.AlterField)
    assert operation.preserve_default is True
    assert operation.field.null is False


def test_renamed_field_is_a_rename_when_the_user_says_so():
    questioner = ScriptedQuestioner(renames=True)
    after = "class Article(models.Model):\n    headline = models.CharField(max_length=200)\n"

    changes = detect(state(pages=ARTICLE), state(pages=after), questioner)

    operation = only_operation(changes)
    assert isinstance(operation, ops.RenameField)
    assert (operation.model_name, operation.old_name, operation.new_name) == (
        "article",
        "title",
        "headline",
    )
    assert questioner.asked == [("rename_field", "article", "title", "headline", "CharField")]
    assert changes["pages"][0].name == "0002_rename_title_article_headline"


def test_renamed_field_is_remove_and_add_when_the_user_says_no():
    questioner = ScriptedQuestioner(renames=False, default="")
    after = "class Article(models.Model):\n    headline = models.CharField(max_length=200)\n"

    changes = detect(state(pages=ARTICLE), state(pages=after), questioner)

    assert described(changes) == {
        "pages": [["Remove field title from article", "Add field headline to article"]]
    }


def test_field_with_another_definition_is_not_offered_as_a_rename():
    questioner = ScriptedQuestioner(renames=True)
    after = (
        "class Article(models.Model):\n    headline = models.CharField(max_length=100, null=True)\n"
    )

    detect(state(pages=ARTICLE), state(pages=after), questioner)

    assert questioner.asked == []


def test_rename_that_keeps_the_old_column_pins_the_column_first_then_renames():
    # As Django does: the column never changes, so the database does no work.
    questioner = ScriptedQuestioner(renames=True)
    after = (
        "class Article(models.Model):\n"
        "    headline = models.CharField(max_length=200, db_column='title')\n"
    )
    before_state, after_state = state(pages=ARTICLE), state(pages=after)

    changes = detect(before_state, after_state, questioner)

    assert described(changes) == {
        "pages": [["Alter field title on article", "Rename field title on article to headline"]]
    }
    alter = changes["pages"][0].operations[0]
    assert alter.field.db_column == "title"
    folded = before_state.clone()
    for operation in operations_of(changes, "pages"):
        operation.state_forwards("pages", folded)
    assert folded == after_state


def test_renamed_field_keeps_its_indexes_constraints_and_unique_together():
    template = """
class Article(models.Model):
    {0} = models.CharField(max_length=200)
    n = models.IntegerField()
    class Meta:
        unique_together = [('{0}', 'n')]
        indexes = [models.Index(fields=['{0}'], name='t_idx')]
        constraints = [models.CheckConstraint(condition=models.Q({0}__gt='a'), name='c')]
"""

    changes = detect(
        state(pages=template.format("title")),
        state(pages=template.format("headline")),
        ScriptedQuestioner(renames=True),
    )

    assert described(changes) == {"pages": [["Rename field title on article to headline"]]}


def test_renamed_target_field_updates_to_field_of_relations():
    template = """
class Code(models.Model):
    {0} = models.CharField(max_length=5, unique=True)
class Use(models.Model):
    code = models.ForeignKey(Code, models.CASCADE, to_field='{0}')
"""

    changes = detect(
        state(pages=template.format("value")),
        state(pages=template.format("key")),
        ScriptedQuestioner(renames=True),
    )

    assert described(changes) == {"pages": [["Rename field value on code to key"]]}


def test_field_change_in_an_abstract_base_alters_every_child():
    template = """
class Stamped(models.Model):
    created = models.DateTimeField({0})
    class Meta:
        abstract = True
class Article(Stamped):
    pass
class Comment(Stamped):
    pass
"""

    changes = detect(
        state(pages=template.format("null=True")),
        state(pages=template.format("null=True, db_index=True")),
    )

    assert described(changes) == {
        "pages": [["Alter field created on article", "Alter field created on comment"]]
    }


def test_field_added_to_an_abstract_base_is_added_to_every_child():
    base = """
class Stamped(models.Model):
    created = models.DateTimeField(null=True)
{0}
    class Meta:
        abstract = True
class Article(Stamped):
    pass
"""

    changes = detect(
        state(pages=base.format("")),
        state(pages=base.format("    updated = models.DateTimeField(null=True)")),
    )

    assert described(changes) == {"pages": [["Add field updated to article"]]}


# -- Relations --------------------------------------------------------------------------------

TAG = "class Tag(models.Model):\n    name = models.CharField(max_length=20)\n"


def test_foreign_key_to_another_apps_model_depends_on_that_apps_migration():
    shop = "class Product(models.Model):\n    pass\n"
    after = article("    product = models.ForeignKey('shop.Product', models.CASCADE, null=True)\n")

    changes = detect(
        state(pages=ARTICLE, shop=shop),
        state(pages=after, shop=shop),
        graph=graph_with(
            ("pages", "0001_initial"), ("shop", "0001_initial"), ("shop", "0002_more")
        ),
    )

    assert list(changes) == ["pages"]
    (migration,) = changes["pages"]
    assert sorted(migration.dependencies) == [("pages", "0001_initial"), ("shop", "0002_more")]


def test_new_apps_with_a_relation_are_created_in_dependency_order():
    changes = detect(
        state(),
        state(
            pages=article("    product = models.ForeignKey('shop.Product', models.CASCADE)\n"),
            shop="class Product(models.Model):\n    pass\n",
        ),
        graph=graph_with(),
    )

    assert described(changes) == {
        "pages": [["Create model Article"]],
        "shop": [["Create model Product"]],
    }
    assert changes["shop"][0].dependencies == []
    assert changes["pages"][0].dependencies == [("shop", "0001_initial")]
    create = changes["pages"][0].operations[0]
    assert [name for name, _ in create.fields] == ["id", "title", "product"]


def test_apps_that_point_at_each_other_get_a_second_migration():
    changes = detect(
        state(),
        state(
            pages="class A(models.Model):\n    b = models.ForeignKey('shop.B', models.CASCADE)\n",
            shop="class B(models.Model):\n    a = models.ForeignKey('pages.A', models.CASCADE)\n",
        ),
        graph=graph_with(),
    )

    migrations = [migration for items in changes.values() for migration in items]
    assert len(migrations) == 3
    keys = {migration.key for migration in migrations}
    for migration in migrations:
        assert set(migration.dependencies) <= keys
    created = {
        op.name for m in migrations for op in m.operations if isinstance(op, ops.CreateModel)
    }
    added = {
        (op.model_name, op.name)
        for m in migrations
        for op in m.operations
        if isinstance(op, ops.AddField)
    }
    assert created == {"A", "B"}
    assert len(added) == 1


def test_foreign_key_to_a_new_model_comes_after_its_creation():
    after = article("    tag = models.ForeignKey('Tag', models.CASCADE, null=True)\n") + TAG

    changes = detect(state(pages=ARTICLE), state(pages=after))

    assert described(changes) == {"pages": [["Create model Tag", "Add field tag to article"]]}


def test_removed_relation_goes_before_the_model_it_points_at():
    before = article("    tag = models.ForeignKey('Tag', models.CASCADE)\n") + TAG

    changes = detect(state(pages=before), state(pages=ARTICLE))

    assert described(changes) == {"pages": [["Remove field tag from article", "Delete model Tag"]]}


def test_self_referencing_model_is_created_in_one_operation():
    source = """
class Node(models.Model):
    parent = models.ForeignKey('self', models.CASCADE, null=True)
    links = models.ManyToManyField('self')
"""

    changes = detect(state(), state(pages=source), graph=graph_with())

    operation = only_operation(changes)
    assert isinstance(operation, ops.CreateModel)
    assert [name for name, _ in operation.fields] == ["id", "parent", "links"]
    assert operation.fields[1][1].to == "pages.node"


def test_many_to_many_added_and_removed():
    after = article("    tags = models.ManyToManyField('Tag')\n") + TAG

    added = only_operation(detect(state(pages=ARTICLE + TAG), state(pages=after)))
    removed = only_operation(detect(state(pages=after), state(pages=ARTICLE + TAG)))

    assert isinstance(added, ops.AddField)
    assert added.field.many_to_many and added.field.to == "pages.tag"
    assert isinstance(removed, ops.RemoveField)
    assert removed.name == "tags"


def test_many_to_many_db_table_change_is_an_alter():
    before = article("    tags = models.ManyToManyField('Tag')\n") + TAG
    after = article("    tags = models.ManyToManyField('Tag', db_table='article_tags')\n") + TAG

    operation = only_operation(detect(state(pages=before), state(pages=after)))

    assert isinstance(operation, ops.AlterField)


def test_many_to_many_with_through_model_comes_after_the_through_model():
    through = (
        "class Tagging(models.Model):\n"
        "    article = models.ForeignKey('Article', models.CASCADE)\n"
        "    tag = models.ForeignKey('Tag', models.CASCADE)\n"
    )
    after = article("    tags = models.ManyToManyField('Tag', through='Tagging')\n") + TAG + through

    changes = detect(state(pages=ARTICLE + TAG), state(pages=after))

    assert described(changes) == {"pages": [["Create model Tagging", "Add field tags to article"]]}
    add = changes["pages"][0].operations[1]
    assert add.field.through == "pages.tagging"


@pytest.mark.parametrize("direction", ["fk_to_m2m", "m2m_to_fk"])
def test_foreign_key_to_many_to_many_is_remove_then_add(direction):
    fk = article("    tag = models.ForeignKey('Tag', models.CASCADE, null=True)\n") + TAG
    m2m = article("    tag = models.ManyToManyField('Tag')\n") + TAG
    before, after = (fk, m2m) if direction == "fk_to_m2m" else (m2m, fk)

    changes = detect(state(pages=before), state(pages=after))

    assert described(changes) == {
        "pages": [["Remove field tag from article", "Add field tag to article"]]
    }


def test_foreign_key_retargeted_is_an_alter():
    other = "class Section(models.Model):\n    pass\n"
    before = article("    tag = models.ForeignKey('Tag', models.CASCADE)\n") + TAG + other
    after = article("    tag = models.ForeignKey('Section', models.CASCADE)\n") + TAG + other

    operation = only_operation(detect(state(pages=before), state(pages=after)))

    assert isinstance(operation, ops.AlterField)
    assert operation.field.to == "pages.section"


@pytest.mark.parametrize(
    "options",
    [
        "on_delete=models.PROTECT",
        "on_delete=models.CASCADE, db_constraint=False",
        "on_delete=models.CASCADE, to_field='name'",
        "on_delete=models.CASCADE, related_name='articles'",
        "on_delete=models.CASCADE, db_index=False",
    ],
)
def test_foreign_key_option_changes_are_alters(options):
    tag = "class Tag(models.Model):\n    name = models.CharField(max_length=20, unique=True)\n"
    before = article("    tag = models.ForeignKey('Tag', on_delete=models.CASCADE)\n") + tag
    after = article(f"    tag = models.ForeignKey('Tag', {options})\n") + tag

    operation = only_operation(detect(state(pages=before), state(pages=after)))

    assert isinstance(operation, ops.AlterField)


@pytest.mark.parametrize(
    "models_source",
    [
        "class A(models.Model):\n"
        "    b = models.ForeignKey('B', models.CASCADE, null=True)\n"
        "class B(models.Model):\n"
        "    a = models.ForeignKey('A', models.CASCADE, null=True)\n",
        "class A(models.Model):\n"
        "    b = models.ForeignKey('B', models.CASCADE, null=True)\n"
        "class B(models.Model):\n"
        "    c = models.ForeignKey('C', models.CASCADE, null=True)\n"
        "class C(models.Model):\n"
        "    a = models.ForeignKey('A', models.CASCADE, null=True)\n"
        "class D(models.Model):\n"
        "    c = models.ForeignKey('C', models.CASCADE)\n",
    ],
    ids=["pair", "ring"],
)
def test_deleting_models_that_point_at_each_other(models_source):
    # A model is deleted only once nothing points at it: the ring is cut first.
    before = state(pages=models_source)
    existing = graph_with(("pages", "0001_initial"))

    changes = detect(before, state(pages=""), graph=existing)

    assert apply_in_order(before, changes, existing) == state()
    operations = operations_of(changes, "pages")
    deleted = {op.name for op in operations if isinstance(op, ops.DeleteModel)}
    assert deleted == set(re.findall(r"class (\w+)", models_source))
    assert not any(isinstance(op, ops.RemoveField) and op.model_name == "d" for op in operations)


@pytest.mark.parametrize(
    "apps",
    [
        {
            "pages": "class Tag(models.Model):\n"
            "    item = models.ForeignKey('shop.Item', models.CASCADE)\n",
            "shop": "class Item(models.Model):\n"
            "    tag = models.ForeignKey('pages.Tag', models.CASCADE)\n",
        },
        {
            "pages": "class Article(models.Model):\n"
            "    item = models.ForeignKey('shop.Item', models.CASCADE, null=True)\n"
            "class Tag(models.Model):\n"
            "    article = models.ForeignKey(Article, models.CASCADE, null=True)\n",
            "shop": "class Item(models.Model):\n"
            "    tag = models.ForeignKey('pages.Tag', models.CASCADE)\n",
        },
    ],
    ids=["pair", "ring"],
)
def test_deleting_models_of_apps_that_point_at_each_other(apps):
    # Relations between the apps go first, so no table is dropped while another
    # app's table points at it, whichever order the apps' migrations run in.
    before = state(**apps)
    existing = graph_with(("pages", "0001_initial"), ("shop", "0001_initial"))

    changes = detect(before, state(), graph=existing)

    assert apply_in_order(before, changes, existing) == state()
    operations = operations_of(changes, "pages") + operations_of(changes, "shop")
    deleted = [op.name for op in operations if isinstance(op, ops.DeleteModel)]
    assert sorted(deleted) == sorted(
        name for source in apps.values() for name in re.findall(r"class (\w+)", source)
    )


# -- Indexes, constraints, unique_together -------------------------------------------------


def test_added_and_removed_index():
    indexed = article(
        meta="        indexes = [models.Index(fields=['-title'], name='title_idx')]\n"
    )

    added = only_operation(detect(state(pages=ARTICLE), state(pages=indexed)))
    removed = only_operation(detect(state(pages=indexed), state(pages=ARTICLE)))

    assert isinstance(added, ops.AddIndex)
    assert added.index.name == "title_idx" and added.index.fields == ["-title"]
    assert isinstance(removed, ops.RemoveIndex)
    assert removed.name == "title_idx"


def test_index_with_a_new_name_only_is_renamed():
    meta = "        indexes = [models.Index(fields=['title'], name='{}')]\n"

    changes = detect(
        state(pages=article(meta=meta.format("old_idx"))),
        state(pages=article(meta=meta.format("new_idx"))),
    )

    operation = only_operation(changes)
    assert isinstance(operation, ops.RenameIndex)
    assert (operation.old_name, operation.new_name) == ("old_idx", "new_idx")
    assert changes["pages"][0].name == "0002_rename_old_idx_new_idx"


def test_index_with_new_fields_is_removed_and_added():
    before = article(
        "    body = models.TextField()\n",
        "        indexes = [models.Index(fields=['title'], name='i')]\n",
    )
    after = article(
        "    body = models.TextField()\n",
        "        indexes = [models.Index(fields=['body'], name='i')]\n",
    )

    changes = detect(state(pages=before), state(pages=after))

    assert described(changes) == {
        "pages": [
            ["Remove index i from article", "Create index i on field(s) body of model article"]
        ]
    }


def test_partial_index_condition_change_is_removed_and_added():
    meta = (
        "        indexes = [models.Index(fields=['title'], name='i', "
        "condition=models.Q(title__gt='{}'))]\n"
    )

    changes = detect(
        state(pages=article(meta=meta.format("a"))), state(pages=article(meta=meta.format("b")))
    )

    assert [type(op) for op in operations_of(changes, "pages")] == [ops.RemoveIndex, ops.AddIndex]


@pytest.mark.parametrize(
    "constraint",
    [
        "models.CheckConstraint(condition=models.Q(title__gt=''), name='c')",
        "models.CheckConstraint(condition=models.Q(n__gte=0) & models.Q(n__lt=10)"
        " | ~models.Q(n__in=[1, 2]), name='c')",
        "models.CheckConstraint(condition=models.Q(n__isnull=True) | models.Q(n__lte=5), name='c')",
        "models.UniqueConstraint(fields=['title', 'n'], name='c')",
        "models.UniqueConstraint(fields=['title'], condition=models.Q(n__gt=0), name='c')",
    ],
)
def test_added_and_removed_constraint(constraint):
    fields = "    n = models.IntegerField(null=True)\n"
    before = article(fields)
    after = article(fields, f"        constraints = [{constraint}]\n")

    added = only_operation(detect(state(pages=before), state(pages=after)))
    removed = only_operation(detect(state(pages=after), state(pages=before)))

    assert isinstance(added, ops.AddConstraint) and added.constraint.name == "c"
    assert isinstance(removed, ops.RemoveConstraint) and removed.name == "c"
    assert added.describe() == "Create constraint c on model article"
    assert removed.describe() == "Remove constraint c from model article"


def test_changed_constraint_is_removed_then_added():
    meta = (
        "        constraints = "
        "[models.CheckConstraint(condition=models.Q(title__gt='{}'), name='c')]\n"
    )

    changes = detect(
        state(pages=article(meta=meta.format("a"))), state(pages=article(meta=meta.format("b")))
    )

    assert [type(op) for op in operations_of(changes, "pages")] == [
        ops.RemoveConstraint,
        ops.AddConstraint,
    ]


def test_unique_together_added_changed_and_removed():
    fields = "    slug = models.SlugField()\n    n = models.IntegerField()\n"
    first = article(fields, "        unique_together = [('title', 'slug')]\n")
    second = article(fields, "        unique_together = [('title', 'slug'), ('slug', 'n')]\n")

    added = only_operation(detect(state(pages=article(fields)), state(pages=first)))
    assert isinstance(added, ops.AlterUniqueTogether)
    assert added.unique_together == {("title", "slug")}
    assert added.describe() == "Alter unique_together for article (1 constraint(s))"

    changed = operations_of(detect(state(pages=first), state(pages=second)), "pages")
    assert changed[-1].unique_together == {("title", "slug"), ("slug", "n")}

    removed = operations_of(detect(state(pages=second), state(pages=article(fields))), "pages")
    assert [op.unique_together for op in removed] == [set()]


def test_unique_together_written_as_a_flat_tuple_is_one_group():
    fields = "    slug = models.SlugField()\n"
    flat = article(fields, "        unique_together = ('title', 'slug')\n")
    nested = article(fields, "        unique_together = [['title', 'slug']]\n")

    assert detect(state(pages=flat), state(pages=nested)) == {}


def test_new_field_comes_before_the_index_and_unique_together_that_use_it():
    after = article(
        "    slug = models.SlugField(null=True)\n",
        "        unique_together = [('title', 'slug')]\n"
        "        indexes = [models.Index(fields=['slug'], name='slug_idx')]\n"
        "        constraints = [models.UniqueConstraint(fields=['slug'], name='one_slug')]\n",
    )

    operations = operations_of(detect(state(pages=ARTICLE), state(pages=after)), "pages")

    assert type(operations[0]) is ops.AddField
    assert {type(op) for op in operations[1:]} == {
        ops.AlterUniqueTogether,
        ops.AddIndex,
        ops.AddConstraint,
    }


def test_removed_field_goes_after_the_index_and_unique_together_that_used_it():
    before = article(
        "    slug = models.SlugField(null=True)\n",
        "        unique_together = [('title', 'slug')]\n"
        "        indexes = [models.Index(fields=['slug'], name='slug_idx')]\n"
        "        constraints = [models.UniqueConstraint(fields=['slug'], name='one_slug')]\n",
    )

    operations = operations_of(detect(state(pages=before), state(pages=ARTICLE)), "pages")

    assert type(operations[-1]) is ops.RemoveField
    assert {type(op) for op in operations[:-1]} == {
        ops.AlterUniqueTogether,
        ops.RemoveIndex,
        ops.RemoveConstraint,
    }


# -- Applying the detected operations reaches the models' state -------------------------------

ROUND_TRIPS = [
    (ARTICLE, article("    body = models.TextField(null=True)\n")),
    (article("    tag = models.ForeignKey('Tag', models.CASCADE)\n") + TAG, ARTICLE + TAG),
    (ARTICLE, article("    tags = models.ManyToManyField('Tag')\n") + TAG),
    (ARTICLE, article(meta="        db_table = 'x'\n        db_table_comment = 'y'\n")),
    (
        article(
            "    slug = models.SlugField()\n", "        unique_together = [('title', 'slug')]\n"
        ),
        article(
            "    slug = models.SlugField()\n    n = models.IntegerField(default=0)\n",
            "        unique_together = [('slug', 'n')]\n"
            "        indexes = [models.Index(fields=['n'], name='n_idx')]\n",
        ),
    ),
]


@pytest.mark.parametrize(("before", "after"), ROUND_TRIPS)
def test_detected_operations_turn_the_old_state_into_the_new(before, after):
    before_state, after_state = state(pages=before), state(pages=after)

    folded = before_state.clone()
    for operation in operations_of(detect(before_state, after_state), "pages"):
        operation.state_forwards("pages", folded)

    assert folded == after_state
    assert detect(folded, after_state) == {}


# -- Names and selection ----------------------------------------------------------------------


def test_many_operations_give_a_name_ending_in_and_more():
    after = article(
        "    body = models.TextField(null=True)\n"
        "    summary = models.TextField(null=True)\n"
        "    subtitle = models.TextField(null=True)\n"
        "    byline = models.TextField(null=True)\n"
    )

    (migration,) = detect(state(pages=ARTICLE), state(pages=after))["pages"]

    assert migration.name == "0002_article_body_article_summary_article_subtitle_and_more"
    assert len(migration.name) - len("0002_") <= 52 + len("_and_more")


def test_name_joins_fragments_while_short():
    after = article(
        "    body = models.TextField(null=True)\n    lead = models.TextField(null=True)\n"
    )

    (migration,) = detect(state(pages=ARTICLE), state(pages=after))["pages"]

    assert migration.name == "0002_article_body_article_lead"


def test_given_name_replaces_the_suggested_one():
    after = article("    body = models.TextField(null=True)\n")

    (migration,) = detect(state(pages=ARTICLE), state(pages=after), name="add_body")["pages"]

    assert migration.name == "0002_add_body"


def test_numbering_follows_the_latest_migration():
    after = article("    body = models.TextField(null=True)\n")
    graph = graph_with(("pages", "0001_initial"), ("pages", "0007_something"))

    (migration,) = detect(state(pages=ARTICLE), state(pages=after), graph=graph)["pages"]

    assert migration.name == "0008_article_body"
    assert migration.dependencies == [("pages", "0007_something")]


def test_numbering_after_a_squash_follows_the_squashed_range():
    after = article("    body = models.TextField(null=True)\n")
    graph = graph_with(("pages", "0001_squashed_0004_auto"))

    (migration,) = detect(state(pages=ARTICLE), state(pages=after), graph=graph)["pages"]

    assert migration.name == "0005_article_body"


def test_selected_apps_only_and_what_they_need():
    after = state(
        pages=article("    product = models.ForeignKey('shop.Product', models.CASCADE)\n"),
        shop="class Product(models.Model):\n    pass\n",
        blog="class Entry(models.Model):\n    pass\n",
    )

    assert set(detect(state(), after, graph=graph_with(), apps=["pages"])) == {"pages", "shop"}
    assert set(detect(state(), after, graph=graph_with(), apps=["blog"])) == {"blog"}
