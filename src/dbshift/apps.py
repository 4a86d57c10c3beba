"""The app registry: which packages are apps, their labels, and their models.

Importing an app's ``models`` module defines model classes; each class registers
itself with the registry that is loading at that moment or, when none is, with the
registry that populated its app. A models module is imported once, so whoever
imports it first (a migration file, an unpickled history index, user code) must
not leave its models outside the registry.
"""

from __future__ import annotations

import difflib
import importlib
import sys
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from dbshift.conf import DEFAULT_AUTO_FIELD, AppSpec, Settings
from dbshift.exceptions import (
    AppNotFoundError,
    ConfigurationError,
    ModelDefinitionError,
)
from dbshift.utils.imports import (
    UserCodeError,
    forget_modules,
    import_user_module,
    module_exists,
)

_loading: list[Apps] = []
#: The registry that last populated each app, by package name.
_owners: weakref.WeakValueDictionary[str, Apps] = weakref.WeakValueDictionary()


@dataclass
class AppConfig:
    """One installed app: its package, label and models."""

    name: str
    label: str
    module: ModuleType
    models: dict[str, type] = field(default_factory=dict)
    #: The field class of the app's automatic ids (see :func:`auto_field_class`).
    default_auto_field: type | None = None
    #: ``module:attribute`` of the SQLAlchemy tables the app's models are read from.
    source: str | None = None
    tables: tuple[str, ...] | None = None
    #: The model states read from ``source`` (plain data, no model classes).
    source_states: list[Any] = field(default_factory=list)

    @property
    def path(self) -> Path:
        """Return the directory of the app package."""
        return Path(next(iter(self.module.__path__)))

    @property
    def migrations_module(self) -> str:
        """Return the import path of the app's migrations package."""
        return f"{self.name}.migrations"

    @property
    def migrations_path(self) -> Path:
        """Return the directory that holds the app's migration files."""
        return self.path / "migrations"


class Apps:
    """The apps of one project and the models they define."""

    def __init__(
        self, specs: Iterable[AppSpec], default_auto_field: str = DEFAULT_AUTO_FIELD
    ) -> None:
        self.specs = tuple(specs)
        self.default_auto_field = default_auto_field
        self.app_configs: dict[str, AppConfig] = {}
        self.models_ready = False
        self.fresh = True
        #: Where what was read from SQLAlchemy sources is cached (None: not cached).
        self.cache_dir: Path | None = None
        #: The modules imported before the apps were (see :meth:`populate`).
        self.preloaded: frozenset[str] = frozenset()

    def populate(self, fresh: bool = True) -> Apps:
        """Import every app package; models are imported when first asked for.

        ``fresh`` imports the apps anew, as each command wants the files as they are
        now. An application that sets up its models at start-up passes ``False``:
        the model classes it imported before keep being the ones registered.
        """
        self.fresh = fresh
        with loading(self):
            for spec in self.specs:
                if fresh:
                    forget_modules(spec.name)
            self.preloaded = frozenset(sys.modules)
            for spec in self.specs:
                self._import_app(spec)
        return self

    def import_models(self) -> None:
        """Import every app's models module, once, and check the relations between them."""
        if self.models_ready:
            return
        with loading(self):
            for spec in self.specs:
                if spec.models is None:
                    self._import_models(spec)
        if any(spec.models for spec in self.specs):
            # Imported here: only projects with such apps need SQLAlchemy's metadata.
            from dbshift.sources.cache import read_sources

            read_sources(self)
        self.models_ready = True
        self._check_relations()

    def import_source(self, source: str, label: str) -> Any:
        """Return the object ``module:attribute`` names, for the app labelled ``label``."""
        module_name, _, attribute = source.partition(":")
        module = self._import(module_name, f"models source {source!r} of app {label!r}")
        try:
            return getattr(module, attribute)
        except AttributeError:
            raise ConfigurationError(
                f"App '{label}' names models = {source!r}, but {module_name} has no "
                f"attribute {attribute!r}; name a declarative base or a MetaData."
            ) from None

    def _import_app(self, spec: AppSpec) -> None:
        module = self._import(spec.name, f"app {spec.name!r}")
        if not hasattr(module, "__path__"):
            raise ConfigurationError(
                f"App {spec.name!r} is the module {module.__file__}, not a package; an "
                "app is a directory with an __init__.py."
            )
        label = spec.label or _declared_label(module) or spec.name.rpartition(".")[2]
        if label in self.app_configs:
            raise ConfigurationError(
                f"Apps {self.app_configs[label].name!r} and {spec.name!r} both have label "
                f'{label!r}; give one a label: {{ name = "{spec.name}", label = "..." }}.'
            )
        auto_field = _auto_field(spec.default_auto_field or self.default_auto_field, spec.name)
        self.app_configs[label] = AppConfig(
            name=spec.name,
            label=label,
            module=module,
            default_auto_field=auto_field,
            source=spec.models,
            tables=spec.tables,
        )
        _owners[spec.name] = self

    def _import_models(self, spec: AppSpec) -> None:
        models_name = f"{spec.name}.models"
        if models_name in sys.modules:
            self._adopt_models(spec.name)
        elif module_exists(models_name):
            self._import(models_name, f"models of app {spec.name!r}")

    def _adopt_models(self, package: str) -> None:
        """Register the models that the app's modules defined before this registry existed.

        They registered with no registry, or with one since dropped; the classes
        in the modules are the ones the application uses, so they are the ones
        to register, in the order their modules defined them.
        """
        prefix = package + "."
        for name, module in list(sys.modules.items()):
            if not (name == package or name.startswith(prefix)):
                continue
            for value in list(vars(module).values()):
                if (
                    isinstance(value, type)
                    and value.__module__ == name
                    and hasattr(value, "_meta")
                    and not value._meta.abstract
                    and value._meta.model_name not in self._models_of(value)
                ):
                    self.register(value)

    def _models_of(self, model: type) -> dict[str, type]:
        config = self.app_configs.get(model._meta.app_label)  # type: ignore[attr-defined]
        return config.models if config is not None else {}

    @staticmethod
    def _import(name: str, what: str) -> ModuleType:
        try:
            return import_user_module(name)
        except UserCodeError as err:
            if isinstance(err.error, ModelDefinitionError):
                raise ModelDefinitionError(f"{err.error} ({err.location})") from err.error
            if isinstance(err.error, ModuleNotFoundError) and err.error.name == name:
                raise ConfigurationError(
                    f"Cannot import {what}: no module named {name!r} (looked in "
                    f"{', '.join(sys.path[:3])}, ...). Check 'apps' in the settings."
                ) from err
            raise ConfigurationError(f"Cannot import {what}: {err}") from err

    # -- Registration -------------------------------------------------------------------

    def app_for_module(self, module: str) -> AppConfig | None:
        """Return the app whose package contains ``module``, the deepest if nested."""
        matches = [
            config
            for config in self.app_configs.values()
            if module == config.name or module.startswith(config.name + ".")
        ]
        return max(matches, key=lambda config: len(config.name), default=None)

    def register(self, model: type) -> None:
        meta = model._meta  # type: ignore[attr-defined]
        config = self.app_configs.get(meta.app_label)
        if config is None:
            raise ModelDefinitionError(
                f"Model {model.__name__} in {model.__module__} has app_label "
                f"{meta.app_label!r}, which is not an installed app; add the app to "
                "'apps' or fix Meta.app_label."
            )
        if meta.model_name in config.models:
            raise ModelDefinitionError(
                f"Model {meta.label} is defined twice ({config.models[meta.model_name].__module__} "
                f"and {model.__module__})."
            )
        config.models[meta.model_name] = model

    # -- Lookup ---------------------------------------------------------------------------

    def get_app_config(self, label: str) -> AppConfig:
        """Return the app labelled ``label``."""
        try:
            return self.app_configs[label]
        except KeyError:
            hint = difflib.get_close_matches(label, self.app_configs, n=1)
            suggestion = f" Did you mean '{hint[0]}'?" if hint else ""
            installed = ", ".join(self.app_configs) or "none"
            raise AppNotFoundError(
                f"No installed app with label '{label}'.{suggestion} Installed apps: {installed}."
            ) from None

    def get_models(self) -> Iterator[type]:
        """Yield every concrete model of every app, in declaration order."""
        self.import_models()
        for config in self.app_configs.values():
            yield from config.models.values()

    def get_model(self, label: str) -> type | None:
        """Return the model with lowercase label ``app.model``, or ``None``."""
        self.import_models()
        app_label, _, model_name = label.partition(".")
        config = self.app_configs.get(app_label)
        return config.models.get(model_name.lower()) if config else None

    def _check_relations(self) -> None:
        for model in (
            model for config in self.app_configs.values() for model in config.models.values()
        ):
            meta = model._meta  # type: ignore[attr-defined]
            for name, fld in meta.fields.items():
                if not fld.is_relation:
                    continue
                targets = [("target", fld.to)]
                declared = {fld.to: _as_declared(fld.to, getattr(fld, "declared_to", None))}
                if getattr(fld, "through", None):
                    targets.append(("through model", fld.through))
                for what, label in targets:
                    if self.get_model(label) is None:
                        raise ModelDefinitionError(
                            f"{meta.label}.{name}: {type(fld).__name__} {what} "
                            f"{declared.get(label, repr(label))} "
                            "is not a model of any installed app; check the name and "
                            "that its app is in 'apps'."
                        )


def _as_declared(label: str, declared: str | None) -> str:
    """Return a target as the model wrote it, with the label it resolved to if that differs."""
    if declared is None:
        return repr(label)
    if declared.lower() == label:
        return repr(declared)
    return f"{declared!r} ({label})"


def auto_field_class(app_label: str) -> type:
    """Return the field class of automatic ids in app ``app_label``.

    That is the app's ``default_auto_field``, else the project's, in the registry
    that is loading, or else in the live registry that holds the app;
    ``BigAutoField`` for an app no loaded project declares. Automatic ids of
    models and of automatic many-to-many tables follow it, as they follow
    ``DEFAULT_AUTO_FIELD`` in Django.
    """
    config = _config_with_label(app_label)
    if config is not None and config.default_auto_field is not None:
        return config.default_auto_field
    return _auto_field(DEFAULT_AUTO_FIELD, app_label)


def _config_with_label(label: str) -> AppConfig | None:
    if _loading:
        return _loading[-1].app_configs.get(label)
    for package, owner in list(_owners.items()):
        config = owner.app_configs.get(label)
        # A registry whose app package was since imported afresh (or forgotten) is stale.
        if config is not None and config.name == package and _is_current(config):
            return config
    return None


def _is_current(config: AppConfig) -> bool:
    return sys.modules.get(config.name) is config.module


def _auto_field(path: str, app: str) -> type:
    """Import the auto field class at ``path``; Django's module means dbshift's."""
    from dbshift.models.fields import AutoFieldMixin

    module_name, _, class_name = path.replace("django.db.models.", "dbshift.models.").rpartition(
        "."
    )
    try:
        found = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as err:
        raise ConfigurationError(
            f"Cannot import default_auto_field {path!r} of app {app!r}: {err}. Name a "
            'field class such as "dbshift.models.AutoField".'
        ) from err
    if not (isinstance(found, type) and issubclass(found, AutoFieldMixin)):
        raise ConfigurationError(
            f"default_auto_field {path!r} of app {app!r} is not an automatic id field; use "
            "dbshift.models.AutoField, BigAutoField or SmallAutoField."
        )
    return found


def _declared_label(module: ModuleType) -> str | None:
    label = getattr(module, "label", None)
    return label if isinstance(label, str) and label.isidentifier() else None


@contextmanager
def loading(apps: Apps) -> Iterator[Apps]:
    """Make ``apps`` the registry that model classes defined inside register with."""
    _loading.append(apps)
    try:
        yield apps
    finally:
        _loading.remove(apps)


def _registry_for(module: str) -> Apps | None:
    """Return the registry that models defined in ``module`` belong to, if any."""
    if _loading:
        return _loading[-1]
    packages = [name for name in list(_owners) if module == name or module.startswith(name + ".")]
    for package in sorted(packages, key=len, reverse=True):
        owner = _owners.get(package)
        # A registry whose app package was since imported afresh (or forgotten) is stale.
        if owner is not None and any(
            config.name == package and _is_current(config) for config in owner.app_configs.values()
        ):
            return owner
    return None


def register_model(model: type) -> None:
    """Register a newly defined concrete model with its registry, if it has one."""
    registry = _registry_for(model.__module__)
    if registry is not None:
        registry.register(model)


def app_label_for_module(module: str, class_name: str) -> str:
    """Return the app label of a model defined in ``module`` without Meta.app_label."""
    registry = _registry_for(module)
    if registry is not None:
        config = registry.app_for_module(module)
        if config is None:
            raise ModelDefinitionError(
                f"Model {class_name} in module {module} is not inside an installed app; "
                "add its app to 'apps' or set Meta.app_label."
            )
        return config.label
    parts = module.split(".")
    if "models" in parts[1:]:
        return parts[parts.index("models", 1) - 1]
    return parts[-1]


def load_apps(settings: Settings, fresh: bool = True) -> Apps:
    """Import the apps of a project and return the populated registry (see ``populate``)."""
    root = str(settings.root)
    if root in sys.path:
        sys.path.remove(root)
    sys.path.insert(0, root)
    importlib.invalidate_caches()
    apps = Apps(settings.apps, settings.default_auto_field)
    apps.cache_dir = settings.root / "__pycache__"
    return apps.populate(fresh)
