"""RunSQL: scripts of several statements, lists, and statements with parameters."""

from __future__ import annotations

from dbshift import migrations
from dbshift.backends.sqlite import split_statements
from tests.backends.support import Harness

SCRIPT = """
CREATE TABLE notes (id integer PRIMARY KEY, body text);  -- a comment; with a semicolon
INSERT INTO notes (id, body) VALUES (1, 'semi; colon ''quoted''');
/* block; comment */ INSERT INTO notes (id, body) VALUES (2, '100% -- not a comment')
"""


def test_script_with_semicolons_in_strings_and_comments(h: Harness) -> None:
    h.migrate(migrations.RunSQL(SCRIPT, reverse_sql="DROP TABLE notes"))
    assert h.rows("notes") == [(1, "semi; colon 'quoted'"), (2, "100% -- not a comment")]
    h.unmigrate()
    assert h.schema() == {}


def test_lists_and_parameters(h: Harness) -> None:
    # MySQL reads || as OR.
    appended = "CONCAT(body, '%%')" if h.vendor == "mysql" else "body || '%%'"
    h.migrate(
        migrations.RunSQL(
            [
                "CREATE TABLE notes (id integer PRIMARY KEY, body text)",
                ("INSERT INTO notes (id, body) VALUES (%s, %s)", [1, "it's 100%"]),
                ("INSERT INTO notes (id, body) VALUES (%(id)s, %(body)s)", {"id": 2, "body": "%s"}),
                (f"UPDATE notes SET body = {appended} WHERE id = %s", (1,)),
            ],
            reverse_sql=["DROP TABLE notes"],
        )
    )
    assert h.rows("notes") == [(1, "it's 100%%"), (2, "%s")]


def test_sqlite_triggers_keep_their_inner_statements(lite: Harness) -> None:
    lite.migrate(
        migrations.RunSQL(
            """
            CREATE TABLE notes (id integer PRIMARY KEY, body text);
            CREATE TABLE log (body text);
            CREATE TRIGGER keep AFTER INSERT ON notes BEGIN
                INSERT INTO log VALUES (new.body);
                INSERT INTO log VALUES ('; after');
            END;
            INSERT INTO notes (body) VALUES ('x');
            """
        )
    )
    assert lite.rows("log", order_by="body") == [("; after",), ("x",)]


def test_split_statements() -> None:
    assert split_statements("SELECT 1; SELECT ';'; ") == ["SELECT 1;", "SELECT ';';"]
    assert split_statements("SELECT 1") == ["SELECT 1"]
    assert split_statements(" ; ;") == []


MYSQL_SCRIPT = r"""
CREATE TABLE notes (id integer PRIMARY KEY, body text);  # a comment; with a semicolon
CREATE TABLE log (body text);
CREATE TRIGGER keep AFTER INSERT ON notes FOR EACH ROW BEGIN
    IF NEW.id > 1 THEN
        INSERT INTO log VALUES (REPEAT('; after', 2));
    END IF;
    INSERT INTO log VALUES (CASE WHEN NEW.id = 1 THEN 'it\'s; one' END);
END;
INSERT INTO notes (id, body) VALUES (1, 'a'), (2, 'b');
-- the end; nothing follows
"""


def test_mysql_scripts_keep_strings_comments_and_trigger_bodies(maria: Harness) -> None:
    maria.migrate(migrations.RunSQL(MYSQL_SCRIPT, reverse_sql="DROP TABLE notes; DROP TABLE log"))
    assert sorted(maria.rows("log", order_by="body"), key=str) == sorted(
        [("it's; one",), (None,), ("; after; after",)], key=str
    )
    maria.unmigrate()
    assert maria.execute("SHOW TABLES") == []
