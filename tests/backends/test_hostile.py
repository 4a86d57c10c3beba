"""Names and values that break naive SQL: reserved words, case, spaces, quotes."""

from __future__ import annotations

from dbshift import migrations, models
from tests.backends.support import Harness

NASTY = "'; DROP TABLE pages_user; -- %s %% :x ?"


def test_hostile_names_and_values_round_trip(h: Harness) -> None:
    h.migrate(
        migrations.CreateModel(
            "User",
            [
                ("id", models.AutoField(primary_key=True)),
                ("order", models.IntegerField(default=0, db_index=True)),
                ("select", models.CharField(max_length=60, db_column="Mixed Case", default=NASTY)),
                ("quote", models.CharField(max_length=60, db_column='we"ird', db_default=NASTY)),
            ],
            options={
                "db_table": 'Order "Items"',
                "indexes": [models.Index(fields=["-order", "select"], name='idx "odd" name')],
                "constraints": [
                    models.CheckConstraint(condition=~models.Q(select="it's"), name="no it's"),
                ],
            },
        ),
        migrations.CreateModel(
            "Group",
            [
                ("id", models.AutoField(primary_key=True)),
                ("user", models.ForeignKey("pages.user", models.CASCADE)),
                ("members", models.ManyToManyField("pages.user", related_name="+")),
            ],
            options={"db_table": "group", "unique_together": {("id", "user")}},
        ),
    )
    schema = h.assert_schema_matches()
    assert {'Order "Items"', "group", "group_members"} <= set(schema)
    users = schema['Order "Items"']
    assert {column.name for column in users.columns} == {"id", "order", "Mixed Case", 'we"ird'}

    users_table = h.quote('Order "Items"')
    mixed = h.quote("Mixed Case")
    h.execute(f"INSERT INTO {users_table} (id, {h.quote('order')}, {mixed}) VALUES (1, 0, 'x')")
    # The database default holds the nasty value verbatim.
    assert h.rows('Order "Items"', "Mixed Case", 'we"ird') == [("x", NASTY)]
    h.insert("group", id=1, user_id=1)
    h.insert("group_members", group_id=1, user_id=1)

    h.migrate(
        migrations.RenameField("User", "order", "rank"),
        migrations.AddField(
            "User", "note", models.TextField(default="a'b\"c\\d; --", db_comment="it's")
        ),
        migrations.AlterModelTable("User", "user's table"),
        migrations.RenameModel("User", "Person"),
    )
    schema = h.assert_schema_matches()
    assert "user's table" in schema and "group_members" in schema
    assert h.rows("user's table", "rank", "note") == [(0, "a'b\"c\\d; --")]
    assert h.rows("group_members", "group_id", "person_id") == [(1, 1)]

    h.unmigrate()
    h.assert_schema_matches()
    h.unmigrate()
    assert h.schema() == {}


def test_one_off_default_with_placeholders_and_quotes(h: Harness) -> None:
    h.migrate(
        migrations.CreateModel("Row", [("id", models.AutoField(primary_key=True))]),
    )
    h.insert("pages_row", id=1)
    h.migrate(
        migrations.AddField(
            "Row", "text", models.CharField(max_length=60, default=NASTY), preserve_default=False
        )
    )
    assert h.rows("pages_row", "text") == [(NASTY,)]
    assert h.assert_schema_matches()["pages_row"].column("text").default is None
