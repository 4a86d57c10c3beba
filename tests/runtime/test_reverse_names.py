"""The names of reverse relationships, as Django gives them."""

from __future__ import annotations

from typing import Any

import pytest

from dbshift import models
from dbshift.migrations.state import ModelState
from dbshift.sqlalchemy.mapping import reverse_name


def name_of(field: Any, **options: Any) -> str | None:
    return reverse_name(ModelState("shop", "Order", {"to": field}, options), field)


@pytest.mark.parametrize(
    ("field", "options", "expected"),
    [
        (models.ForeignKey("shop.customer", models.CASCADE), {}, "order_set"),
        (models.OneToOneField("shop.customer", models.CASCADE), {}, "order"),
        (models.ManyToManyField("shop.item"), {}, "order_set"),
        (models.ForeignKey("shop.customer", models.CASCADE, related_name="orders"), {}, "orders"),
        (models.ForeignKey("shop.customer", models.CASCADE, related_name="+"), {}, None),
        (models.ForeignKey("shop.customer", models.CASCADE, related_name="x+"), {}, None),
        (
            models.ForeignKey(
                "shop.customer", models.CASCADE, related_name="%(app_label)s_%(class)s_list"
            ),
            {},
            "shop_order_list",
        ),
        (
            models.ForeignKey("shop.customer", models.CASCADE),
            {"default_related_name": "%(model_name)ss"},
            "orders",
        ),
    ],
)
def test_reverse_names(field: Any, options: dict[str, Any], expected: str | None) -> None:
    assert name_of(field, **options) == expected
