"""Project and model states: plain data that operations change one model at a time."""

from __future__ import annotations

import pytest

from dbshift import models
from dbshift.exceptions import BadMigrationError
from dbshift.migrations.state import ModelState, ProjectState
from tests.states import state

ARTICLE = """
class Article(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField()
    count = models.IntegerField(default=0)
    class Meta:
        unique_together = [('title', 'slug'), ('slug', 'count')]
        indexes = [
            models.Index(fields=['title'], name='title_idx'),
            models.Index(fields=['count'], name='count_idx', condition=models.Q(slug__gt='')),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(count__gte=0), name='count_ok'),
            models.UniqueConstraint(fields=['title'], name='one_title'),
        ]
"""


def article_state() -> ProjectState:
    return state(pages=ARTICLE)


def test_states_of_the_same_models_are_equal_and_of_different_ones_are_not():
    assert article_state() == article_state()
    assert article_state() != state(pages=ARTICLE.replace("max_length=200", "max_length=100"))
    assert article_state() != state(pages=ARTICLE.replace("Article", "Post"))


def test_unique_together_and_index_order_do_not_matter_for_equality():
    reordered = ARTICLE.replace(
        "[('title', 'slug'), ('slug', 'count')]", "[('slug', 'count'), ('title', 'slug')]"
    )

    assert state(pages=reordered) == article_state()


def test_a_clone_changes_without_changing_the_original():
    original = article_state()
    clone = original.clone()

    clone.add_field("pages", "article", "body", models.TextField())
    clone.set_model_option("pages", "article", "db_table", "x")

    model = original.get_model("pages", "article")
    assert "body" not in model.fields
    assert "db_table" not in model.options
    assert "body" in clone.get_model("pages", "Article").fields


def test_model_lookup_is_case_insensitive_and_missing_models_are_named():
    current = article_state()

    assert current.get_model("pages", "ARTICLE").name == "Article"
    assert current.has_model("pages", "article")
    with pytest.raises(BadMigrationError, match=r"Model 'pages\.Post' does not exist"):
        current.get_model("pages", "Post")


def test_adding_a_model_twice_is_an_error():
    current = article_state()

    with pytest.raises(BadMigrationError, match="already exists"):
        current.add_model(current.get_model("pages", "article"))


def test_adding_a_field_twice_and_touching_a_missing_field_are_errors():
    current = article_state()

    with pytest.raises(BadMigrationError, match=r"'title' already exists on pages\.Article"):
        current.add_field("pages", "article", "title", models.TextField())
    with pytest.raises(BadMigrationError, match=r"pages\.Article has no field 'body'"):
        current.alter_field("pages", "article", "body", models.TextField())
    with pytest.raises(BadMigrationError, match="has no field 'body'"):
        current.remove_field("pages", "article", "body")
    with pytest.raises(BadMigrationError, match="that field exists"):
        current.rename_field("pages", "article", "title", "slug")


def test_removing_a_field_drops_what_uses_it():
    current = article_state()

    current.remove_field("pages", "article", "slug")

    model = current.get_model("pages", "article")
    assert model.unique_together == set()
    assert [index.name for index in model.indexes] == ["title_idx"]
    assert [item.name for item in model.constraints] == ["count_ok", "one_title"]


def test_renaming_a_field_renames_it_everywhere_it_is_used():
    current = article_state()

    current.rename_field("pages", "article", "count", "total")

    model = current.get_model("pages", "article")
    assert list(model.fields) == ["id", "title", "slug", "total"]
    assert model.unique_together == {("title", "slug"), ("slug", "total")}
    assert model.get_index("count_idx").fields == ["total"]
    assert model.get_constraint("count_ok").condition == models.Q(total__gte=0)


def test_renaming_a_field_renames_conditions_and_descending_index_fields():
    current = state(
        pages="""
class Event(models.Model):
    start = models.IntegerField()
    end = models.IntegerField()
    class Meta:
        indexes = [models.Index(fields=['-start'], name='i', condition=models.Q(start__lt=5))]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F('start')), name='c'),
        ]
"""
    )

    current.rename_field("pages", "event", "start", "begin")

    model = current.get_model("pages", "event")
    assert model.get_index("i").fields == ["-begin"]
    assert model.get_index("i").condition == models.Q(begin__lt=5)
    assert model.get_constraint("c").condition == models.Q(end__gt=models.F("begin"))


def test_renaming_a_target_field_updates_to_field():
    current = state(
        pages="""
class Code(models.Model):
    value = models.CharField(max_length=5, unique=True)
class Use(models.Model):
    code = models.ForeignKey(Code, models.CASCADE, to_field='value')
"""
    )

    current.rename_field("pages", "code", "value", "key")

    assert current.get_model("pages", "use").fields["code"].to_field == "key"


def test_renaming_a_model_retargets_relations_and_through_models():
    current = state(
        pages="""
class Tag(models.Model):
    pass
class Article(models.Model):
    tag = models.ForeignKey(Tag, models.CASCADE)
    tags = models.ManyToManyField(Tag, through='Tagging', related_name='+')
class Tagging(models.Model):
    tag = models.ForeignKey(Tag, models.CASCADE)
    article = models.ForeignKey(Article, models.CASCADE)
""",
        shop="class Item(models.Model):\n"
        "    tag = models.ForeignKey('pages.Tag', models.CASCADE)\n",
    )

    current.rename_model("pages", "Tag", "Label")
    current.rename_model("pages", "Tagging", "Labelling")

    article = current.get_model("pages", "article")
    assert not current.has_model("pages", "tag")
    assert current.get_model("pages", "label").name == "Label"
    assert article.fields["tag"].to == "pages.label"
    assert article.fields["tags"].to == "pages.label"
    assert article.fields["tags"].through == "pages.labelling"
    assert current.get_model("shop", "item").fields["tag"].to == "pages.label"


def test_relations_to_a_model_follow_changes_of_the_state_and_its_clones():
    original = state(
        pages="""
class Tag(models.Model):
    pass
class Article(models.Model):
    tag = models.ForeignKey(Tag, models.CASCADE)
class Note(models.Model):
    tag = models.ForeignKey(Tag, models.CASCADE, related_name='+')
    other = models.ForeignKey(Tag, models.CASCADE, related_name='+')
"""
    )

    def related(current: ProjectState) -> list[tuple[str, str]]:
        return [(model.name, name) for model, name, _ in current.related_fields_to("pages.tag")]

    assert related(original) == [("Article", "tag"), ("Note", "tag"), ("Note", "other")]
    clone = original.clone()
    clone.remove_field("pages", "note", "tag")
    clone.add_field("pages", "tag", "parent", models.ForeignKey("pages.tag", models.CASCADE))
    clone.rename_model("pages", "Article", "Post")
    clone.remove_model("pages", "note")

    assert related(clone) == [("Tag", "parent"), ("Post", "tag")]
    assert related(original) == [("Article", "tag"), ("Note", "tag"), ("Note", "other")]
    original.remove_model("pages", "article")
    assert related(original) == [("Note", "tag"), ("Note", "other")]
    assert related(clone) == [("Tag", "parent"), ("Post", "tag")]


def test_renaming_a_model_onto_an_existing_one_is_an_error():
    current = state(pages="class A(models.Model):\n    pass\nclass B(models.Model):\n    pass\n")

    with pytest.raises(BadMigrationError, match="exists"):
        current.rename_model("pages", "A", "B")


def test_alter_model_options_replaces_the_options_it_owns():
    current = state(
        pages="""
class Article(models.Model):
    class Meta:
        ordering = ['id']
        verbose_name = 'story'
        db_table = 'stories'
"""
    )

    current.alter_model_options("pages", "article", {"managed": False}, ["ordering", "managed"])

    options = current.get_model("pages", "article").options
    assert options == {"verbose_name": "story", "db_table": "stories", "managed": False}


def test_model_state_names_must_be_identifiers():
    with pytest.raises(BadMigrationError, match="is not a Python identifier"):
        ModelState("pages", "Not A Name", {})
    with pytest.raises(BadMigrationError, match="Field name 'bad-name'"):
        ModelState("pages", "Article", {"bad-name": models.IntegerField()})


def test_model_state_facts():
    model = article_state().get_model("pages", "article")

    assert model.db_table == "pages_article"
    assert model.pk_name == "id"
    assert model.column("count") == "count"
    assert model.managed is True
    assert model.label_lower == "pages.article"
    with pytest.raises(BadMigrationError, match="no index named 'nope'"):
        model.get_index("nope")
    with pytest.raises(BadMigrationError, match="no constraint named 'nope'"):
        model.get_constraint("nope")


def test_clone_of_a_model_state_is_deep():
    model = article_state().get_model("pages", "article")

    copy = model.clone()

    assert copy == model
    assert copy.fields["title"] is not model.fields["title"]
    assert copy.indexes[0] is not model.indexes[0]
