"""Write a history as Django migration files: the ``dbshift`` and ``django`` flavours.

Both flavours are the same text except for the import lines, which is dbshift's
compatibility contract. Migration files look like the ones Django's writer produces
(keyword arguments sorted, ``to='app.model'``); ``models.py`` declares the final schema
the way a person writes it. The Django flavour adds ``settings.py`` and ``manage.py``;
the dbshift flavour a ``pyproject.toml``. Both read the database URL from
``BENCH_DATABASE_URL`` (dbshift through ``DATABASE_URL``, set by the harness).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from bench.history import (
    AddField,
    AddIndex,
    AlterField,
    CreateModel,
    FieldSpec,
    History,
    Migration,
    Operation,
    RemoveField,
    RenameField,
)

IMPORTS = {
    "dbshift": ("from dbshift import migrations, models", "from dbshift import models"),
    "django": ("from django.db import migrations, models", "from django.db import models"),
}

_CLASSES = {
    "char": "CharField",
    "text": "TextField",
    "int": "IntegerField",
    "bool": "BooleanField",
    "datetime": "DateTimeField",
    "decimal": "DecimalField",
    "fk": "ForeignKey",
}
_DEFAULTS = {"char": "''", "text": "''", "int": "0", "bool": "False", "decimal": "0"}
_ID = "models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')"


def _keywords(spec: FieldSpec) -> dict[str, str]:
    keywords: dict[str, str] = {}
    if spec.kind == "decimal":
        keywords["decimal_places"] = "2"
        keywords["max_digits"] = str(spec.max_digits)
    if spec.kind == "char":
        keywords["max_length"] = str(spec.max_length)
    if spec.null:
        keywords["null"] = "True"
    elif spec.has_default:
        keywords["default"] = _DEFAULTS[spec.kind]
    if spec.kind == "fk":
        keywords["on_delete"] = "models.CASCADE"
    return keywords


def field_in_migration(spec: FieldSpec) -> str:
    """Return the field as Django's migration writer spells it: keywords sorted."""
    keywords = _keywords(spec)
    if spec.to is not None:
        keywords["to"] = repr(f"{spec.to[0]}.{spec.to[1].lower()}")
    arguments = ", ".join(f"{key}={value}" for key, value in sorted(keywords.items()))
    return f"models.{_CLASSES[spec.kind]}({arguments})"


def field_in_models(spec: FieldSpec) -> str:
    """Return the field as a person declares it in models.py."""
    arguments = [] if spec.to is None else [repr(f"{spec.to[0]}.{spec.to[1]}")]
    arguments += [f"{key}={value}" for key, value in _keywords(spec).items()]
    return f"models.{_CLASSES[spec.kind]}({', '.join(arguments)})"


def operation_source(operation: Operation) -> list[str]:
    """Return the lines of one operation inside ``operations = [...]``."""
    model = operation.model.lower()
    match operation:
        case CreateModel(fields=fields):
            lines = [
                "migrations.CreateModel(",
                f"    name='{operation.model}',",
                "    fields=[",
                f"        ('id', {_ID}),",
            ]
            lines += [f"        ('{name}', {field_in_migration(spec)})," for name, spec in fields]
            return [*lines, "    ],", "),"]
        case AddField(name=name, field=spec):
            return [
                "migrations.AddField(",
                f"    model_name='{model}',",
                f"    name='{name}',",
                f"    field={field_in_migration(spec)},",
                "),",
            ]
        case AlterField(name=name, new=spec):
            return [
                "migrations.AlterField(",
                f"    model_name='{model}',",
                f"    name='{name}',",
                f"    field={field_in_migration(spec)},",
                "),",
            ]
        case RenameField(old_name=old, new_name=new):
            return [
                "migrations.RenameField(",
                f"    model_name='{model}',",
                f"    old_name='{old}',",
                f"    new_name='{new}',",
                "),",
            ]
        case RemoveField(name=name):
            return [
                "migrations.RemoveField(",
                f"    model_name='{model}',",
                f"    name='{name}',",
                "),",
            ]
        case AddIndex(index=index, field_name=field_name):
            return [
                "migrations.AddIndex(",
                f"    model_name='{model}',",
                f"    index=models.Index(fields=['{field_name}'], name='{index}'),",
                "),",
            ]
    raise TypeError(f"unknown operation {operation!r}")


def migration_source(migration: Migration, flavor: str) -> str:
    lines = [IMPORTS[flavor][0], "", "", "class Migration(migrations.Migration):", ""]
    if migration.initial:
        lines += ["    initial = True", ""]
    lines.append("    dependencies = [")
    lines += [f"        ('{app}', '{name}')," for app, name in migration.dependencies]
    lines += ["    ]", "", "    operations = ["]
    for operation in migration.operations:
        lines += [f"        {line}" for line in operation_source(operation)]
    lines += ["    ]", ""]
    return "\n".join(lines)


def models_source(history: History, app: str, flavor: str) -> str:
    lines = [IMPORTS[flavor][1], ""]
    for model, schema in history.schema[app].items():
        lines += ["", f"class {model}(models.Model):"]
        lines += [f"    {name} = {field_in_models(spec)}" for name, spec in schema.fields.items()]
        if schema.indexes:
            lines += ["", "    class Meta:", "        indexes = ["]
            lines += [
                f"            models.Index(fields=['{field_name}'], name='{index}'),"
                for index, field_name in schema.indexes
            ]
            lines.append("        ]")
        lines.append("")
    return "\n".join(lines)


_SETTINGS = '''\
"""Django settings of a generated benchmark project; the database comes from the environment."""

import os
from urllib.parse import urlsplit

SECRET_KEY = "bench"
INSTALLED_APPS = {apps!r}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True

_url = urlsplit(os.environ.get("BENCH_DATABASE_URL", "sqlite:///db.sqlite3"))
if _url.scheme.startswith("sqlite"):
    DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": _url.path[1:]}}}}
else:
    _mysql = _url.scheme.startswith(("mysql", "mariadb"))
    if _mysql:
        # The driver dbshift and Alembic use too; Django's MySQL backend takes it in
        # place of mysqlclient.
        import pymysql

        pymysql.install_as_MySQLdb()
    DATABASES = {{
        "default": {{
            "ENGINE": "django.db.backends." + ("mysql" if _mysql else "postgresql"),
            "NAME": _url.path[1:],
            "USER": _url.username or "",
            "PASSWORD": _url.password or "",
            "HOST": _url.hostname or "",
            "PORT": str(_url.port or ""),
            "OPTIONS": {{"charset": "utf8mb4"}} if _mysql else {{}},
        }}
    }}
'''

_MANAGE = """\
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
"""


def write(history: History, root: Path, flavor: str) -> None:
    """Write the project of ``flavor`` ("dbshift" or "django") under ``root``."""
    for app in history.apps:
        migrations = root / app / "migrations"
        migrations.mkdir(parents=True, exist_ok=True)
        (root / app / "__init__.py").write_text("")
        (migrations / "__init__.py").write_text("")
        (root / app / "models.py").write_text(models_source(history, app, flavor))
    for migration in history.migrations:
        path = root / migration.app / "migrations" / f"{migration.name}.py"
        path.write_text(migration_source(migration, flavor))
    if flavor == "django":
        (root / "settings.py").write_text(_SETTINGS.format(apps=list(history.apps)))
        (root / "manage.py").write_text(_MANAGE)
    else:
        apps = ", ".join(f'"{app}"' for app in history.apps)
        (root / "pyproject.toml").write_text(
            textwrap.dedent(f"""\
                [tool.dbshift]
                apps = [{apps}]
                database = "sqlite:///db.sqlite3"
                """)
        )
