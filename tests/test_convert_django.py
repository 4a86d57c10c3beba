"""``dbshift convert-django`` and the dbshift names that stand for Django's.

The files in tests/django_corpus are shaped like those Django 5.2 writes for real
apps (a custom user model with its manager and validators, relations to
``settings.AUTH_USER_MODEL``, data migrations). Converted, they must run on both
databases with no further edit; a line using a Django-only name must be listed.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.backends.support import Harness, open_harness
from tests.data_migrations.support import add_articles, create_blog, in_migration
from tests.helpers import ProjectDir, run_sql

CORPUS = Path(__file__).resolve().parent / "django_corpus"
#: Files that convert completely, by app.
CLEAN = {
    "accounts": ["0001_initial", "0002_alter_member_managers"],
    "library": [
        "0001_initial",
        "0002_stamp_loans",
        "0003_backfill_shelf_slugs",
        "0004_normalize_and_count",
    ],
}

ACCOUNTS_MODELS = """
from dbshift import validators
from dbshift.utils import timezone


class Member(models.Model):
    id = models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")
    password = models.CharField(max_length=128, verbose_name="password")
    username = models.CharField(
        error_messages={"unique": "That name is taken."},
        max_length=150,
        unique=True,
        validators=[validators.UnicodeUsernameValidator()],
        verbose_name="username",
    )
    email = models.EmailField(blank=True, max_length=254, verbose_name="email address")
    karma = models.IntegerField(
        default=0, validators=[validators.MinValueValidator(0), validators.MaxValueValidator(1000)]
    )
    date_joined = models.DateTimeField(default=timezone.now, verbose_name="date joined")

    class Meta:
        verbose_name = "member"
"""

LIBRARY_MODELS = """
from dbshift import validators
from dbshift.conf import settings


class Shelf(models.Model):
    code = models.CharField(
        max_length=8,
        unique=True,
        validators=[
            validators.RegexValidator("^[A-Z]{2}[0-9]+$", message="Use two capitals, then digits.")
        ],
    )
    slug = models.SlugField(max_length=40, validators=[validators.MinLengthValidator(3)])
    homepage = models.URLField(blank=True, validators=[validators.URLValidator(schemes=["https"])])
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shelves"
    )


class Loan(models.Model):
    starts = models.DateField()
    ends = models.DateField(blank=True, null=True)
    borrower = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    shelf = models.ForeignKey(Shelf, on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends__isnull=True) | models.Q(ends__gte=models.F("starts")),
                name="library_loan_ends_after_start",
            )
        ]
"""


def corpus_project(make_project, database: str | None = None, files=CLEAN) -> ProjectDir:
    """Return a project holding the corpus files, as Django wrote them, and their models."""
    project = make_project(tuple(files), database)
    project.write(
        "pyproject.toml",
        f"""
        [tool.dbshift]
        apps = ["accounts", "library"]
        database = "{project.database}"

        [tool.dbshift.swappable_models]
        AUTH_USER_MODEL = "accounts.Member"
        """,
    )
    for app, names in files.items():
        for name in names:
            shutil.copy(CORPUS / app / f"{name}.py.txt", project.migrations_dir(app) / f"{name}.py")
    project.models("accounts", ACCOUNTS_MODELS)
    project.models("library", LIBRARY_MODELS)
    return project


def django_names(project: ProjectDir) -> list[str]:
    return [
        f"{path.relative_to(project.root)}:{number}"
        for path in sorted(project.root.rglob("migrations/0*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "django" in line and not line.startswith("#")
    ]


def test_convert_rewrites_every_django_name_and_summarizes(make_project):
    project = corpus_project(make_project)

    result = project.run("convert-django", "accounts", "library")

    assert result.code == 0, result.output
    assert django_names(project) == []
    assert "accounts/migrations/0001_initial.py:\n" in result.stdout
    assert (
        "  django.core.validators.MinValueValidator -> dbshift.validators.MinValueValidator\n"
        in result.stdout
    )
    assert (
        "  django.db.models.deletion.CASCADE -> dbshift.models.deletion.CASCADE\n" in result.stdout
    )
    assert "  from django.db.models import Q -> from dbshift.models import Q\n" in result.stdout
    assert "6 of 6 file(s) converted; 0 line(s) could not be converted." in result.stdout
    source = project.migration_source("library", "0001_initial")
    assert "import dbshift.models.deletion\n" in source
    assert "from dbshift.conf import settings\n" in source


def test_converting_twice_changes_nothing(make_project):
    project = corpus_project(make_project)
    project.run("convert-django", "accounts", "library")
    before = {path: path.read_text() for path in project.root.rglob("migrations/*.py")}

    result = project.run("convert-django", "accounts/migrations", "library")

    assert result.code == 0, result.output
    assert "0 of 6 file(s) converted" in result.stdout
    assert {path: path.read_text() for path in project.root.rglob("migrations/*.py")} == before


def test_lines_that_cannot_be_converted_are_listed_with_a_failing_status(make_project):
    project = corpus_project(make_project, files={**CLEAN, "library": ["0003_console_report"]})

    result = project.run("convert-django", "library")

    assert result.code == 1
    path = "library/migrations/0003_console_report.py"
    assert result.stderr.splitlines() == [
        f"{path}:3: django.core.management.color.color_style has no dbshift equivalent; "
        "rewrite the code that uses it by hand",
        f"{path}:4: django.db.transaction has no dbshift equivalent; "
        "rewrite the code that uses it by hand",
    ]
    source = project.migration_source("library", "0003_console_report")
    assert "from dbshift import migrations\nfrom django.db import transaction\n" in source
    assert "1 of 1 file(s) converted; 2 line(s) could not be converted." in result.stdout


def test_a_path_without_migrations_is_refused(make_project):
    project = make_project()
    (project.root / "empty").mkdir()

    result = project.run("convert-django", "empty")

    assert result.code == 2
    assert "No migration files in" in result.stderr


def test_a_converted_history_migrates_and_unmigrates(make_project, db_url):
    project = corpus_project(make_project, db_url)
    assert project.run("convert-django", "accounts", "library").code == 0

    result = project.run("migrate")
    assert result.code == 0, result.output
    run_sql(
        db_url,
        "INSERT INTO accounts_member (password, username, email, karma, date_joined)"
        " VALUES ('x', 'ann', '', 3, CURRENT_TIMESTAMP)",
    )
    rows = run_sql(db_url, "SELECT username FROM accounts_member")
    assert rows == [("ann",)]
    inspector = sa.inspect(sa.create_engine(db_url))
    (foreign_key,) = inspector.get_foreign_keys("library_shelf")
    assert foreign_key["referred_table"] == "accounts_member"
    checks = [check["name"] for check in inspector.get_check_constraints("library_loan")]
    assert "library_loan_ends_after_start" in checks

    check = project.run("makemigrations", "--check")
    assert (check.code, check.stdout) == (0, "No changes detected\n"), check.output
    back = project.run("migrate", "library", "zero")
    assert back.code == 0, back.output
    assert not sa.inspect(sa.create_engine(db_url)).has_table("library_shelf")


def test_without_django_the_error_names_the_names_dbshift_lacks(make_project, monkeypatch):
    project = corpus_project(make_project, files={**CLEAN, "library": ["0003_console_report"]})
    for name in [name for name in sys.modules if name.split(".")[0] == "django"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "django", None)
    project.run("convert-django", "accounts")
    # Only the file with Django-only names keeps an import of Django.
    source = (CORPUS / "library" / "0003_console_report.py.txt").read_text()
    (project.migrations_dir("library") / "0001_initial.py").write_text(
        source.replace("('library', '0002_stamp_loans'),", "")
    )

    result = project.run("makemigrations", "--check")

    assert result.code == 1
    assert "Cannot import migration library.0001_initial" in result.stderr
    assert "line 3: django.core.management.color.color_style" in result.stderr
    assert "line 4: django.db.transaction" in result.stderr
    assert "dbshift convert-django" in result.stderr
    assert "CASCADE" not in result.stderr
    assert "Traceback" not in result.stderr


def test_a_setting_migration_files_read_must_be_declared(make_project):
    project = corpus_project(make_project)
    project.run("convert-django", "accounts", "library")
    path = project.migrations_dir("library") / "0001_initial.py"
    path.write_text(path.read_text().replace("AUTH_USER_MODEL),", "LIBRARY_OWNER_MODEL),", 1))

    result = project.run("makemigrations", "--check")

    assert result.code == 1
    assert "Setting 'LIBRARY_OWNER_MODEL' is not defined" in result.stderr
    assert "[tool.dbshift.swappable_models]" in result.stderr


def test_validators_and_managers_are_written_into_new_migrations(project):
    project.models(
        "pages",
        """
        from dbshift import validators


        class Page(models.Model):
            slug = models.SlugField(validators=[validators.MinLengthValidator(3)])
            rank = models.IntegerField(validators=[validators.MaxValueValidator(10)])
        """,
    )
    assert project.run("makemigrations").code == 0

    source = project.migration_source("pages", "0001_initial")
    assert "import dbshift.validators\n" in source
    assert "validators=[dbshift.validators.MinLengthValidator(3)]" in source
    result = project.run("makemigrations", "--check")
    assert (result.code, result.stdout) == (0, "No changes detected\n"), result.output


def test_validators_check_values():
    from dbshift import validators
    from dbshift.exceptions import ValidationError

    validators.MinValueValidator(0)(0)
    validators.RegexValidator("^[a-z]+$")("abc")
    validators.validate_email("ann@example.org")
    for validator, value in (
        (validators.MaxValueValidator(10), 11),
        (validators.MinLengthValidator(3), "ab"),
        (validators.validate_slug, "not a slug"),
        (validators.URLValidator(schemes=["https"]), "http://example.org"),
        (validators.validate_ipv4_address, "300.1.1.1"),
    ):
        try:
            validator(value)
        except ValidationError:
            continue
        raise AssertionError(f"{validator!r} accepted {value!r}")


def migrate_with_rows(project: ProjectDir, db_url: str, *targets: str) -> None:
    """Migrate to library 0002 on ``db_url``, add a member and shelves, then to ``targets``."""
    assert project.run("convert-django", "accounts", "library").code == 0
    result = project.run("migrate", "library", "0002")
    assert result.code == 0, result.output
    run_sql(
        db_url,
        "INSERT INTO accounts_member (id, password, username, email, karma, date_joined) "
        "VALUES (1, 'x', 'ann', 'Ann@Example.ORG', 0, CURRENT_TIMESTAMP)",
    )
    for code in ("AB12", "CD7"):
        run_sql(
            db_url,
            "INSERT INTO library_shelf (code, slug, homepage, owner_id) "
            f"VALUES ('{code}', '', '', 1)",
        )
    for target in targets:
        result = project.run("migrate", *target.split())
        assert result.code == 0, result.output


def test_migration_code_gets_the_connection_alias_and_djangos_model_api(make_project, db_url):
    # schema_editor.connection.alias, apps.get_models(), only(), defer(), save(using=...)
    project = corpus_project(make_project, db_url)

    migrate_with_rows(project, db_url, "library 0003")

    rows = run_sql(db_url, "SELECT code, slug, homepage FROM library_shelf ORDER BY id")
    homepage = "https://example.org/accounts.Member,library.Loan,library.Shelf"
    assert rows == [("AB12", "ab12", homepage), ("CD7", "cd7", homepage)]


@pytest.fixture
def h(db_url: str) -> Iterator[Harness]:
    yield from open_harness(db_url)


def test_historical_models_offer_get_models_only_defer_and_save_using(h):
    create_blog(h)
    add_articles(h, ("first", 1, None), ("second", 2, None))

    def code(apps):
        Article = apps.get_model("pages", "Article")
        for article in Article.objects.only("title").order_by("id"):
            article.views = article.views * 10
            article.save(using="default")
        titles = [article.title for article in Article.objects.defer("title").order_by("id")]
        return sorted(model._meta.label for model in apps.get_models()), titles

    labels, titles = in_migration(h, code)

    assert labels == ["pages.Article", "pages.Author"]
    assert titles == ["first", "second"]
    assert h.rows("pages_article", "title", "views") == [("first", 10), ("second", 20)]


def test_migration_code_uses_functions_and_aggregates(make_project, db_url):
    # Lower/Upper/Length in update() and filter(), F() arithmetic, annotate() with
    # Count/Min over a reverse relation and Count/Max per group, aggregate().
    project = corpus_project(make_project, db_url)

    migrate_with_rows(project, db_url, "library 0004")

    members = run_sql(db_url, "SELECT username, email, karma, password FROM accounts_member")
    assert members == [("ann-AB12", "ann@example.org", 22, "2/4")]
    shelves = run_sql(db_url, "SELECT code, slug, homepage FROM library_shelf ORDER BY id")
    assert [(code, slug) for code, slug, _homepage in shelves] == [("AB12", "AB12"), ("CD7", "CD7")]
    assert shelves[1][2] == "https://example.org/last"


def test_with_django_installed_the_error_names_the_names_dbshift_lacks(make_project):
    # Importing a Django app's models needs Django's settings, which a dbshift
    # project does not configure.
    pytest.importorskip("django")
    project = make_project(("sites",))
    project.write(
        "sites/migrations/0001_initial.py",
        """
        from django.contrib.sites.models import _simple_domain_name_validator
        from dbshift import migrations, models


        class Migration(migrations.Migration):
            operations = [
                migrations.CreateModel(
                    name="Site",
                    fields=[
                        ("id", models.AutoField(primary_key=True)),
                        ("domain", models.CharField(
                            max_length=100, validators=[_simple_domain_name_validator]
                        )),
                    ],
                ),
            ]
        """,
    )

    result = project.run("migrate")

    assert result.code == 1
    assert "line 1: django.contrib.sites.models._simple_domain_name_validator" in result.stderr, (
        result.stderr
    )
    assert "Traceback" not in result.stderr
