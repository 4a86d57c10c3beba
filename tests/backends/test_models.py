"""Whole tables: create, delete and rename models and their join tables."""

from __future__ import annotations

from dbshift import migrations, models
from tests.backends.support import Harness


def author() -> migrations.CreateModel:
    return migrations.CreateModel(
        "Author",
        [
            ("id", models.BigAutoField(primary_key=True)),
            ("name", models.CharField(max_length=50, unique=True)),
        ],
    )


def book() -> migrations.CreateModel:
    return migrations.CreateModel(
        "Book",
        [
            ("id", models.BigAutoField(primary_key=True)),
            ("title", models.CharField(max_length=50, db_index=True)),
            ("author", models.ForeignKey("pages.author", models.CASCADE)),
            ("coauthors", models.ManyToManyField("pages.author", related_name="+")),
        ],
    )


def test_create_model_then_delete_it(h: Harness) -> None:
    h.migrate(author(), book())
    schema = h.assert_schema_matches()
    assert set(schema) == {"pages_author", "pages_book", "pages_book_coauthors"}
    joins = schema["pages_book_coauthors"]
    assert {column.name for column in joins.columns} == {"id", "book_id", "author_id"}
    assert {(fk.columns, fk.target_table) for fk in joins.foreign_keys} == {
        (("book_id",), "pages_book"),
        (("author_id",), "pages_author"),
    }
    uniques = joins.unique_constraints or {i for i in joins.indexes if i.unique}
    assert [item.columns for item in uniques] == [("book_id", "author_id")]
    # InnoDB's keys use the unique pair for book_id; Django makes no index for it there.
    first_key = set() if h.vendor == "mysql" else {("book_id",)}
    assert {index.columns for index in joins.indexes if not index.unique} == {
        *first_key,
        ("author_id",),
    }
    assert {index.columns for index in schema["pages_book"].indexes} == {("title",), ("author_id",)}

    h.migrate(migrations.DeleteModel("Book"))
    assert set(h.assert_schema_matches()) == {"pages_author"}
    h.unmigrate()
    h.assert_schema_matches()
    h.unmigrate()
    assert h.schema() == {}


def test_deleting_models_with_circular_keys(h: Harness) -> None:
    h.migrate(
        migrations.CreateModel("Egg", [("id", models.AutoField(primary_key=True))]),
        migrations.CreateModel(
            "Hen",
            [
                ("id", models.AutoField(primary_key=True)),
                ("egg", models.ForeignKey("pages.egg", models.SET_NULL, null=True)),
            ],
        ),
        migrations.AddField(
            "Egg", "hen", models.ForeignKey("pages.hen", models.CASCADE, null=True)
        ),
    )
    h.insert("pages_egg", id=1)
    h.insert("pages_hen", id=1, egg_id=1)
    h.execute("UPDATE pages_egg SET hen_id = 1")
    h.assert_schema_matches()

    # The order makemigrations writes: the ring is cut before either model goes.
    h.migrate(
        migrations.RemoveField("Hen", "egg"),
        migrations.DeleteModel("Egg"),
        migrations.DeleteModel("Hen"),
    )
    assert h.schema() == {}


def test_rename_model_keeps_rows_and_relations_pointing_in(h: Harness) -> None:
    h.migrate(author(), book())
    h.insert("pages_author", id=1, name="ann")
    h.insert("pages_book", id=1, title="t", author_id=1)
    h.insert("pages_book_coauthors", book_id=1, author_id=1)

    h.migrate(migrations.RenameModel("Author", "Writer"))
    schema = h.assert_schema_matches()
    assert "pages_author" not in schema
    assert {fk.target_table for fk in schema["pages_book"].foreign_keys} == {"pages_writer"}
    assert {column.name for column in schema["pages_book_coauthors"].columns} == {
        "id",
        "book_id",
        "writer_id",
    }
    assert h.rows("pages_writer") == [(1, "ann")]
    assert h.rows("pages_book_coauthors", "book_id", "writer_id") == [(1, 1)]
    # The keys still work: deleting the writer cascades to books and links.
    h.execute("DELETE FROM pages_writer")
    assert h.rows("pages_book") == []
    assert h.rows("pages_book_coauthors") == []
    h.insert("pages_writer", id=1, name="ann")
    h.insert("pages_book", id=1, title="t", author_id=1)

    h.unmigrate()
    h.assert_schema_matches()
    assert h.rows("pages_author") == [(1, "ann")]
    assert h.rows("pages_book", "id", "author_id") == [(1, 1)]


def test_rename_model_with_self_references(h: Harness) -> None:
    h.migrate(
        migrations.CreateModel(
            "Node",
            [
                ("id", models.AutoField(primary_key=True)),
                ("parent", models.ForeignKey("pages.node", models.CASCADE, null=True)),
                ("links", models.ManyToManyField("pages.node")),
            ],
        )
    )
    schema = h.assert_schema_matches()
    assert {column.name for column in schema["pages_node_links"].columns} == {
        "id",
        "from_node_id",
        "to_node_id",
    }
    h.insert("pages_node", id=1, parent_id=None)
    h.insert("pages_node", id=2, parent_id=1)
    h.insert("pages_node_links", from_node_id=2, to_node_id=1)

    h.migrate(migrations.RenameModel("Node", "Vertex"))
    schema = h.assert_schema_matches()
    assert set(schema) == {"pages_vertex", "pages_vertex_links"}
    assert h.rows("pages_vertex_links", "from_vertex_id", "to_vertex_id") == [(2, 1)]
    h.execute("DELETE FROM pages_vertex WHERE id = 1")
    assert h.rows("pages_vertex") == []

    h.unmigrate()
    h.assert_schema_matches()
    assert h.rows("pages_node") == []


def test_alter_db_table_renames_table_and_derived_join_tables(h: Harness) -> None:
    h.migrate(author(), book())
    h.insert("pages_author", id=1, name="ann")
    h.insert("pages_book", id=1, title="t", author_id=1)
    h.insert("pages_book_coauthors", book_id=1, author_id=1)

    h.migrate(migrations.AlterModelTable("Book", "library_volume"))
    schema = h.assert_schema_matches()
    assert {"library_volume", "library_volume_coauthors"} <= set(schema)
    assert h.rows("library_volume_coauthors", "book_id", "author_id") == [(1, 1)]

    h.migrate(migrations.AlterModelTable("Book", None))
    assert "pages_book" in h.assert_schema_matches()
    h.unmigrate()
    h.unmigrate()
    h.assert_schema_matches()
    assert h.rows("pages_book", "id", "title") == [(1, "t")]


def test_many_to_many_with_through_model_creates_no_join_table(h: Harness) -> None:
    h.migrate(
        author(),
        migrations.CreateModel("Club", [("id", models.AutoField(primary_key=True))]),
        migrations.CreateModel(
            "Membership",
            [
                ("id", models.AutoField(primary_key=True)),
                ("club", models.ForeignKey("pages.club", models.CASCADE)),
                ("author", models.ForeignKey("pages.author", models.CASCADE)),
            ],
        ),
        migrations.AddField(
            "Club",
            "members",
            models.ManyToManyField("pages.author", through="pages.membership"),
        ),
    )
    schema = h.assert_schema_matches()
    assert set(schema) == {"pages_author", "pages_club", "pages_membership"}
    h.migrate(migrations.RemoveField("Club", "members"))
    assert set(h.assert_schema_matches()) == {"pages_author", "pages_club", "pages_membership"}


def test_add_and_remove_many_to_many_field(h: Harness) -> None:
    h.migrate(author(), migrations.CreateModel("Tag", [("id", models.AutoField(primary_key=True))]))
    h.migrate(
        migrations.AddField(
            "Author", "tags", models.ManyToManyField("pages.tag", db_table="author_labels")
        )
    )
    schema = h.assert_schema_matches()
    assert {column.name for column in schema["author_labels"].columns} == {
        "id",
        "author_id",
        "tag_id",
    }
    h.insert("pages_author", id=1, name="ann")
    h.insert("pages_tag", id=1)
    h.insert("author_labels", author_id=1, tag_id=1)

    h.migrate(migrations.AlterField("Author", "tags", models.ManyToManyField("pages.tag")))
    assert h.rows("pages_author_tags", "author_id", "tag_id") == [(1, 1)]
    h.assert_schema_matches()

    h.unmigrate()
    h.assert_schema_matches()
    assert h.rows("author_labels", "author_id", "tag_id") == [(1, 1)]

    h.migrate(migrations.RemoveField("Author", "tags"))
    assert "author_labels" not in h.assert_schema_matches()
    h.unmigrate()
    h.assert_schema_matches()
    assert h.rows("author_labels") == []


def test_changing_a_key_type_changes_the_columns_pointing_at_it(h: Harness) -> None:
    h.migrate(
        migrations.CreateModel("Tag", [("id", models.AutoField(primary_key=True))]),
        migrations.CreateModel(
            "Post",
            [
                ("id", models.AutoField(primary_key=True)),
                ("tag", models.ForeignKey("pages.tag", models.CASCADE)),
                ("tags", models.ManyToManyField("pages.tag", related_name="+")),
            ],
        ),
    )
    h.insert("pages_tag", id=1)
    h.insert("pages_post", id=1, tag_id=1)
    h.insert("pages_post_tags", post_id=1, tag_id=1)

    h.migrate(migrations.AlterField("Tag", "id", models.BigAutoField(primary_key=True)))
    schema = h.assert_schema_matches()
    assert schema["pages_post"].column("tag_id").type == "bigint"
    assert schema["pages_post_tags"].column("tag_id").type == "bigint"
    assert h.rows("pages_post", "id", "tag_id") == [(1, 1)]
    h.execute("DELETE FROM pages_tag")
    assert h.rows("pages_post") == [] and h.rows("pages_post_tags") == []

    h.unmigrate()
    schema = h.assert_schema_matches()
    assert schema["pages_post"].column("tag_id").type == (
        "int" if h.vendor == "mysql" else "integer"
    )
