"""``models.Manager()``: a manager declared in a migration's ``managers`` list.

Django files list a model's managers (``managers=[("objects", models.Manager())]``)
when one is marked ``use_in_migrations``. A dbshift state keeps them as written,
and they never change the schema; inside a data migration every historical model
gets the plain manager of :mod:`dbshift.historical.manager`.
"""

from __future__ import annotations

from typing import Any

from dbshift.utils.deconstruct import deconstructible


class Manager:
    """A declared manager, remembered with the arguments it was built with."""

    use_in_migrations = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        self.kwargs = kwargs

    def __repr__(self) -> str:
        return "models.Manager()"


deconstructible(Manager, path="dbshift.models.Manager")
