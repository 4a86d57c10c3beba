"""Write the Django 5.2 migration files that the compatibility tests load.

Each step of :data:`tests.django52.steps.STEPS` is written as models.py of a
throwaway Django project and ``manage.py makemigrations`` runs on it (answering
yes to rename questions). The files are kept byte for byte, with ``.txt``
appended so that neither pytest nor ruff treats them as this project's code.

Regenerate with Django installed::

    python -m tests.django52.generate
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.django52.steps import APPS, STEPS

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "manifest.json"

SETTINGS = """\
SECRET_KEY = "compat"
INSTALLED_APPS = ["catalog", "blog"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
"""


def generate(out: Path, python: str = sys.executable) -> dict[str, dict[str, list[str]]]:
    """Write every step's migrations under ``out/<app>/``; return the files of each step."""
    manifest: dict[str, dict[str, list[str]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "settings.py").write_text(SETTINGS)
        for app in APPS:
            (root / app / "migrations").mkdir(parents=True)
            (root / app / "__init__.py").write_text("")
            (root / app / "migrations" / "__init__.py").write_text("")
        for number, sources in enumerate(STEPS, 1):
            before = {app: set(os.listdir(root / app / "migrations")) for app in APPS}
            for app, source in sources.items():
                (root / app / "models.py").write_text("from django.db import models\n" + source)
            result = subprocess.run(
                [python, "-m", "django", "makemigrations", "--settings", "settings"],
                cwd=root,
                input="y\n" * 20,
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"},
                check=False,
            )
            if result.returncode:
                raise RuntimeError(
                    f"Django failed at step {number}:\n{result.stdout}{result.stderr}"
                )
            manifest[str(number)] = {
                app: sorted(
                    set(os.listdir(root / app / "migrations")) - before[app] - {"__pycache__"}
                )
                for app in APPS
            }
        for app in APPS:
            (out / app).mkdir(parents=True, exist_ok=True)
            for path in sorted((root / app / "migrations").glob("0*.py")):
                shutil.copyfile(path, out / app / f"{path.name}.txt")
    return manifest


if __name__ == "__main__":
    for app in APPS:
        shutil.rmtree(HERE / app, ignore_errors=True)
    MANIFEST.write_text(json.dumps(generate(HERE), indent=1) + "\n")
