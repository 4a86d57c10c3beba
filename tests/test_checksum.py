"""Checksums: what changes them, what does not, and how an edit is explained."""

from __future__ import annotations

from dbshift.migrations.checksum import Checksum, describe_changes, migration_checksum
from dbshift.migrations.recorder import TABLE_NAME
from tests.helpers import run_sql

FILE = """
from dbshift import migrations, models


def forwards(apps, schema_editor):
    return 1  # a comment


class Migration(migrations.Migration):
    dependencies = [("pages", "0001_initial")]
    operations = [
        migrations.AddField("article", "slug", models.SlugField(max_length=50, default="")),
        migrations.RunPython(forwards),
    ]
"""

REFORMATTED = """
from dbshift import migrations, models
def forwards(apps,schema_editor):
    # another comment
    return 1
class Migration(migrations.Migration):
    dependencies = [
        ('pages', '0001_initial'),
    ]
    operations = [
        migrations.AddField(
            model_name='article',
            name='slug',
            field=models.SlugField(default='', max_length=50),
        ),
        migrations.RunPython(code=forwards),
    ]
"""


def load(project, source):
    project.write(
        "pages/migrations/0001_initial.py",
        "from dbshift import migrations\n\n"
        "class Migration(migrations.Migration):\n    operations = []\n",
    )
    project.write("pages/migrations/0002_slug.py", source)
    return project.project().loader().graph.node(("pages", "0002_slug"))


def test_reformatting_changes_nothing_and_editing_is_explained(project):
    original = migration_checksum(load(project, FILE))
    assert migration_checksum(load(project, REFORMATTED)) == original

    edited = load(project, FILE.replace("return 1", "return 2"))
    assert migration_checksum(edited).whole != original.whole
    assert describe_changes(original, edited) == ["operation 2 (Raw Python operation) changed"]

    longer = load(project, FILE.replace("max_length=50", "max_length=60"))
    assert describe_changes(original, longer) == ["operation 1 (Add field slug to article) changed"]


def test_stored_form_round_trips_and_other_schemes_are_not_compared(project):
    checksum = migration_checksum(load(project, FILE))
    assert Checksum.parse(str(checksum)) == checksum
    assert Checksum.parse(str(checksum)).comparable
    older = Checksum.parse("0:" + str(checksum).split(":", 1)[1])
    assert not older.comparable


# -- What the checksum covers: docs/checksums.md -----------------------------------------

CODE = '''
from dbshift import migrations, models
from math import floor as rounding

from pages import helpers

RATE = 2


def double(value):
    return rounding(value * RATE)


def forwards(apps, schema_editor):
    """Fill the rank."""
    return double(1) + helpers.scale(1)


class Migration(migrations.Migration):
    dependencies = [("pages", "0001_initial")]
    operations = [
        migrations.AddField("Item", "rank", models.IntegerField(default=0)),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.RunSQL("UPDATE pages_item SET rank = 'a  b' WHERE id > 0;"),
    ]
'''

HELPERS = "def scale(value):\n    return value * 10\n"


def code_checksum(project, source=CODE, helpers=HELPERS):
    project.write("pages/helpers.py", helpers)
    return migration_checksum(load(project, source))


def edited(project, old, new, helpers=HELPERS):
    assert old in CODE + HELPERS
    return code_checksum(project, CODE.replace(old, new), helpers.replace(old, new))


def test_an_edited_helper_function_is_an_edit(project):
    assert edited(project, "value * RATE", "value * RATE + 1") != code_checksum(project)


def test_an_edited_helper_in_another_module_is_an_edit(project):
    assert edited(project, "value * 10", "value * 11") != code_checksum(project)


def test_an_edited_constant_is_an_edit(project):
    assert edited(project, "RATE = 2", "RATE = 3") != code_checksum(project)


def test_an_edited_import_is_an_edit(project):
    assert edited(project, "floor as rounding", "ceil as rounding") != code_checksum(project)


def test_edited_sql_is_an_edit_but_not_inside_quotes_only_outside(project):
    assert edited(project, "rank = 'a", "rank = 'b") != code_checksum(project)
    assert edited(project, "'a  b'", "'a b'") != code_checksum(project)


def test_whitespace_in_sql_is_not_an_edit(project):
    spaced = "UPDATE pages_item\\n        SET   rank = 'a  b'\\n    WHERE id > 0 ;"
    assert edited(project, "UPDATE pages_item SET rank = 'a  b' WHERE id > 0;", spaced) == (
        code_checksum(project)
    )
    assert edited(project, "WHERE id > 0", "WHERE  id  >  0") == code_checksum(project)


def test_a_trailing_semicolon_is_not_an_edit(project):
    assert edited(project, "id > 0;", "id > 0") == code_checksum(project)


def test_a_docstring_is_not_an_edit(project):
    assert edited(project, '"""Fill the rank."""', '"""Set every rank."""') == (
        code_checksum(project)
    )
    assert edited(project, '    """Fill the rank."""\n', "") == code_checksum(project)


def test_renaming_the_function_is_not_an_edit(project):
    renamed = CODE.replace("def forwards(", "def fill_rank(").replace(
        "RunPython(forwards", "RunPython(fill_rank"
    )
    assert code_checksum(project, renamed) == code_checksum(project)


def test_the_case_of_a_model_name_is_not_an_edit(project):
    assert edited(project, 'AddField("Item"', 'AddField("item"') == code_checksum(project)


def test_noop_and_a_function_that_does_nothing_are_the_same(project):
    nothing = CODE.replace("migrations.RunPython.noop", "nothing").replace(
        "class Migration", "def nothing(apps, schema_editor):\n    pass\n\n\nclass Migration"
    )
    assert code_checksum(project, nothing) == code_checksum(project)


# -- On databases: records of the previous scheme, and the history index -----------------

INITIAL = """
from dbshift import migrations, models


class Migration(migrations.Migration):
    initial = True
    operations = [
        migrations.CreateModel(
            name="Item",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True)),
                ("title", models.CharField(max_length=20)),
            ],
        ),
        migrations.RunSQL("INSERT INTO pages_item (title) VALUES ('one');"),
    ]
"""

#: The checksum of INITIAL as scheme 1 (dbshift before scheme 2) recorded it.
INITIAL_SCHEME_1 = (
    "1:1ec36b517454ae622ca2ed8bfae8e5e75c1489ad46ad88a0504f92a7a1a9fe97:b4a01cf8c504,7bc83daba81a"
)

ITEM = "class Item(models.Model):\n    title = models.CharField(max_length=20)\n"


def test_checksums_of_the_previous_scheme_are_compared_in_that_scheme(make_project, db_url):
    project = make_project(database=db_url)
    project.models("pages", ITEM)
    project.write("pages/migrations/0001_initial.py", INITIAL)
    assert project.run("migrate").code == 0
    run_sql(db_url, f"UPDATE {TABLE_NAME} SET checksum = '{INITIAL_SCHEME_1}'")

    for _ in range(2):  # without, then with the history index
        result = project.run("migrate")
        assert (result.code, result.stderr) == (0, ""), result.output
        assert project.run("check").stdout == "System check identified no issues.\n"

    project.write("pages/migrations/0001_initial.py", INITIAL.replace("'one'", "'two'"))
    refused = project.run("migrate")
    assert refused.code == 1
    assert "Migration pages.0001_initial was edited after it was applied: operation 2" in (
        refused.stderr
    )
    assert project.run("repair").code == 0
    assert run_sql(db_url, f"SELECT checksum FROM {TABLE_NAME}")[0][0].startswith("2:")


RUN_HELPER = """
from dbshift import migrations

from pages.helpers import scale


def forwards(apps, schema_editor):
    scale(1)


class Migration(migrations.Migration):
    dependencies = [("pages", "0001_initial")]
    operations = [migrations.RunPython(forwards)]
"""


def test_an_edited_helper_module_is_found_through_the_history_index(make_project, db_url):
    project = make_project(database=db_url)
    project.models("pages", ITEM)
    project.write("pages/migrations/0001_initial.py", INITIAL)
    project.write("pages/helpers.py", HELPERS)
    project.write("pages/migrations/0002_run_helper.py", RUN_HELPER)
    assert project.run("migrate").code == 0
    assert project.run("showmigrations").code == 0  # the index holds the checksums

    project.write("pages/helpers.py", HELPERS.replace("* 10", "* 20"))
    refused = project.run("migrate")

    assert refused.code == 1, refused.output
    assert "Migration pages.0002_run_helper was edited after it was applied" in refused.stderr


TABLE_FROM_HELPER = """
from dbshift import migrations, models

from pages import helpers


class Migration(migrations.Migration):
    initial = True
    operations = [
        migrations.CreateModel(
            name="Item",
            fields=[("id", models.BigAutoField(auto_created=True, primary_key=True))],
            options={"db_table": helpers.TABLE},
        ),
    ]
"""


def test_the_history_index_follows_modules_that_migrations_import(project):
    project.write("pages/helpers.py", 'TABLE = "items"\n')
    project.write("pages/migrations/0001_initial.py", TABLE_FROM_HELPER)
    model = "class Item(models.Model):\n    class Meta:\n        db_table = '{}'\n"
    project.models("pages", model.format("items"))
    assert project.run("makemigrations", "--check").stdout == "No changes detected\n"

    project.write("pages/helpers.py", 'TABLE = "things"\n')
    project.models("pages", model.format("things"))
    result = project.run("makemigrations", "--check")

    assert (result.code, result.stdout) == (0, "No changes detected\n"), result.output
