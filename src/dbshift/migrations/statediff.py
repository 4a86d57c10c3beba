"""Describing how two project states differ, for people to read."""

from __future__ import annotations

from dbshift.migrations.state import ModelState, ProjectState
from dbshift.utils.deconstruct import deep_deconstruct


def describe_differences(
    expected: ProjectState, actual: ProjectState, expected_name: str, actual_name: str
) -> list[str]:
    """Return one line per difference between two states; empty when they are equal."""
    lines = []
    for key in sorted(set(expected.models) | set(actual.models)):
        label = f"{key[0]}.{key[1]}"
        if key not in actual.models:
            lines.append(f"model {label} exists after {expected_name} but not after {actual_name}")
        elif key not in expected.models:
            lines.append(f"model {label} exists after {actual_name} but not after {expected_name}")
        else:
            lines += _model_differences(
                label, expected.models[key], actual.models[key], expected_name, actual_name
            )
    return lines


def _model_differences(
    label: str, expected: ModelState, actual: ModelState, expected_name: str, actual_name: str
) -> list[str]:
    lines = []
    for name in dict.fromkeys([*expected.fields, *actual.fields]):
        if name not in actual.fields:
            lines.append(f"{label}.{name} exists after {expected_name} but not after {actual_name}")
        elif name not in expected.fields:
            lines.append(f"{label}.{name} exists after {actual_name} but not after {expected_name}")
        elif deep_deconstruct(expected.fields[name]) != deep_deconstruct(actual.fields[name]):
            lines.append(
                f"{label}.{name} is {_field(expected, name)} after {expected_name} but "
                f"{_field(actual, name)} after {actual_name}"
            )
    if [*expected.fields] != [*actual.fields] and set(expected.fields) == set(actual.fields):
        lines.append(f"{label} has its fields in another order after {actual_name}")
    if expected.name != actual.name:
        lines.append(
            f"{label} is named {expected.name} after {expected_name}, "
            f"{actual.name} after {actual_name}"
        )
    expected_options = deep_deconstruct(dict(sorted(expected.options.items())))
    actual_options = deep_deconstruct(dict(sorted(actual.options.items())))
    if expected == actual or expected_options == actual_options:
        return lines
    for option in sorted(set(expected.options) | set(actual.options)):
        if deep_deconstruct(expected.options.get(option)) != deep_deconstruct(
            actual.options.get(option)
        ):
            lines.append(
                f"{label} Meta.{option} is {expected.options.get(option)!r} after "
                f"{expected_name} but {actual.options.get(option)!r} after {actual_name}"
            )
    return lines


def _field(model: ModelState, name: str) -> str:
    path, args, kwargs = model.fields[name].deconstruct()
    arguments = ", ".join(
        [*map(repr, args), *(f"{key}={value!r}" for key, value in sorted(kwargs.items()))]
    )
    return f"{path.rpartition('.')[2]}({arguments})"
