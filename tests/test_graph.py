"""The migration graph and the loader: plans, cycles, missing nodes, special names."""

from __future__ import annotations

import pytest

from dbshift.exceptions import CircularDependencyError, NodeNotFoundError
from dbshift.migrations.graph import MigrationGraph
from dbshift.migrations.migration import Migration


def chain_graph(app: str, length: int) -> MigrationGraph:
    graph = MigrationGraph()
    for number in range(1, length + 1):
        graph.add_node((app, f"{number:04d}"), Migration(f"{number:04d}", app))
        if number > 1:
            graph.add_dependency((app, f"{number:04d}"), (app, f"{number - 1:04d}"))
    graph.validate_consistency()
    return graph


def test_ten_thousand_migrations_plan_without_recursion_limits():
    graph = chain_graph("big", 10_000)

    forwards = graph.forwards_plan(("big", "10000"))
    backwards = graph.backwards_plan(("big", "0001"))

    assert len(forwards) == 10_000
    assert forwards[0] == ("big", "0001") and forwards[-1] == ("big", "10000")
    assert backwards == list(reversed(forwards))
    graph.ensure_not_cyclic()


def test_forwards_plan_puts_every_dependency_first():
    graph = chain_graph("a", 3)
    for key in (("b", "0001"), ("b", "0002")):
        graph.add_node(key, Migration(key[1], key[0]))
    graph.add_dependency(("b", "0002"), ("b", "0001"))
    graph.add_dependency(("b", "0002"), ("a", "0002"))

    plan = graph.forwards_plan(("b", "0002"))

    assert plan.index(("a", "0002")) < plan.index(("b", "0002"))
    assert plan.index(("b", "0001")) < plan.index(("b", "0002"))
    assert ("a", "0003") not in plan


def test_a_cycle_is_reported_with_the_migrations_on_it():
    graph = chain_graph("a", 3)
    graph.add_node(("b", "0001"), Migration("0001", "b"))
    graph.add_dependency(("b", "0001"), ("a", "0003"))
    graph.add_dependency(("a", "0002"), ("b", "0001"))

    with pytest.raises(CircularDependencyError) as caught:
        graph.ensure_not_cyclic()

    message = str(caught.value)
    for name in ("a.0002", "a.0003", "b.0001"):
        assert name in message


def test_a_dependency_on_a_missing_migration_names_both():
    graph = chain_graph("a", 2)
    graph.add_dependency(("a", "0002"), ("b", "0007_gone"))

    with pytest.raises(NodeNotFoundError) as caught:
        graph.validate_consistency()

    assert "a.0002" in str(caught.value) and "b.0007_gone" in str(caught.value)


def write_migration(project, app, name, dependencies, extra=""):
    deps = "".join(f"        {dep!r},\n" for dep in dependencies)
    project.write(
        f"{app}/migrations/{name}.py",
        "from dbshift import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = [\n{deps}    ]\n"
        f"{extra}"
        "    operations = []\n",
    )


def test_first_latest_and_run_before_resolve(make_project):
    project = make_project(apps=("a", "b"))
    write_migration(project, "a", "0001_initial", [])
    write_migration(project, "a", "0002_more", [("a", "0001_initial")])
    write_migration(project, "b", "0001_initial", [("a", "__first__")])
    write_migration(project, "b", "0002_more", [("b", "0001_initial"), ("a", "__latest__")])
    write_migration(project, "b", "0003_early", [("b", "0002_more")], extra="    run_before = []\n")
    write_migration(
        project,
        "a",
        "0003_late",
        [("a", "0002_more")],
        extra="    run_before = [('b', '0003_early')]\n",
    )

    graph = project.project().loader().graph

    assert ("a", "0001_initial") in graph.parents[("b", "0001_initial")]
    assert ("a", "0003_late") in graph.parents[("b", "0002_more")]
    assert ("a", "0003_late") in graph.parents[("b", "0003_early")]


def test_loader_reports_a_migration_file_that_fails_to_import(project):
    project.write("pages/migrations/0001_initial.py", "from dbshift import migrations\n\nx = (\n")

    result = project.run("makemigrations", "--check")

    assert result.code == 1
    assert "0001_initial.py:3" in result.stderr
    assert "SyntaxError" in result.stderr
    assert "Traceback" not in result.output


def test_loader_reports_a_file_without_a_migration_class(project):
    project.write("pages/migrations/0001_initial.py", "VALUE = 1\n")

    result = project.run("makemigrations")

    assert result.code == 1
    assert "has no class Migration" in result.stderr


def test_loader_reports_a_dependency_cycle_between_files(make_project):
    project = make_project(apps=("a", "b"))
    write_migration(project, "a", "0001_initial", [("b", "0001_initial")])
    write_migration(project, "b", "0001_initial", [("a", "0001_initial")])

    result = project.run("makemigrations", "--check")

    assert result.code == 1
    assert "cycle" in result.stderr
    assert "a.0001_initial" in result.stderr and "b.0001_initial" in result.stderr
