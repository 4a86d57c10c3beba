"""Checksums: what changes them, what does not, and how an edit is explained."""

from __future__ import annotations

from dbshift.migrations.checksum import Checksum, describe_changes, migration_checksum

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
