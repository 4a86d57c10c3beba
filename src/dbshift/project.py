"""A loaded project: its settings, its apps and their models."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from dbshift.apps import AppConfig, Apps, load_apps
from dbshift.conf import DEFAULT_ALIAS, Settings, load_settings
from dbshift.exceptions import MissingModelsError
from dbshift.migrations.graph import Key
from dbshift.migrations.loader import MigrationLoader
from dbshift.migrations.state import ProjectState


class Project:
    """Settings plus the imported apps; the entry point of every command."""

    def __init__(self, settings: Settings, apps: Apps) -> None:
        self.settings = settings
        self.apps = apps

    @classmethod
    def load(
        cls,
        settings_path: Path | None = None,
        *,
        start: Path | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Project:
        """Find the settings (or read ``settings_path``) and import the apps."""
        if settings_path is None and start is not None:
            from dbshift.conf import find_settings_file

            settings_path = find_settings_file(start)
        settings = load_settings(settings_path, environ=environ)
        return cls(settings, load_apps(settings))

    @property
    def root(self) -> Path:
        return self.settings.root

    def app_labels(self) -> list[str]:
        return list(self.apps.app_configs)

    def check_app_labels(self, labels: Iterable[str]) -> list[str]:
        """Return ``labels`` after checking that each names an installed app."""
        labels = list(labels)
        for label in labels:
            self.apps.get_app_config(label)
        return labels

    def models_state(self, migrated: ProjectState | None = None) -> ProjectState:
        """Return the state the models declare.

        Given ``migrated``, the state the migrations build, refuse an app whose models
        module yields no model while its migrations have some: that is far likelier a
        models module that did not load than a wish to drop every table of the app.
        """
        state = ProjectState.from_models(self.apps.get_models())
        for config in self.apps.app_configs.values():
            for model in config.source_states:
                state.add_model(model)
        if migrated is not None:
            for config in self.apps.app_configs.values():
                _check_models_found(config, migrated)
        return state

    def loader(self, applied: Iterable[Key] | None = None) -> MigrationLoader:
        """Load the migration files of every app (through the history index cache)."""
        return MigrationLoader(self.apps, applied, cache_dir=self.root / "__pycache__")

    def database_url(self, alias: str = DEFAULT_ALIAS) -> str:
        return self.settings.database_url(alias)


def _check_models_found(config: AppConfig, migrated: ProjectState) -> None:
    if config.models or config.source_states:
        return
    names = sorted(
        model.name for model in migrated.models.values() if model.app_label == config.label
    )
    if not names:
        return
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    raise MissingModelsError(
        f"App '{config.label}' has no models, but its migrations create {shown}. Check "
        f"that {config.name}.models ({config.path / 'models.py'} or a models package) "
        "defines them and imports without error; dbshift does not write a migration that "
        "deletes every model of an app. To drop them all on purpose, write the DeleteModel "
        f"operations in 'dbshift makemigrations {config.label} --empty'."
    )
