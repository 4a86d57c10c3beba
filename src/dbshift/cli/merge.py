"""The ``--merge`` mode of ``makemigrations``."""

from __future__ import annotations

import argparse

from dbshift.actions import makemigrations as actions
from dbshift.actions.merge import plan_merges
from dbshift.cli.context import Context
from dbshift.cli.prompt import confirm
from dbshift.project import Project


def handle_merge(args: argparse.Namespace, context: Context, project: Project) -> int:
    merges = plan_merges(project, args.app_label, args.name)
    if not merges:
        context.write("No conflicts detected to merge.")
        return 0
    for merge in merges:
        context.write(f"Merging {merge.app_label}")
        for leaf, migrations in merge.branches.items():
            context.write(f"  Branch {leaf}")
            for migration in migrations:
                for operation in migration.operations:
                    context.write(f"    {operation.category.value} {operation.describe()}")
        overlaps = merge.overlaps()
        if overlaps:
            context.write(f"  Warning: more than one branch changes {', '.join(overlaps)}.")
        if args.interactive:
            context.write(
                "\nMerging will only work if the operations printed above do not conflict\n"
                "with each other (working on different fields or models)"
            )
            if not confirm(context, "Should these migration branches be merged?"):
                continue
        files = actions.render_files(
            project, {merge.app_label: [merge.migration]}, args.include_header
        )
        if args.dry_run:
            if context.verbosity >= 3:
                context.write(files[0].source)
            continue
        actions.write_files(files)
        context.write(f"\nCreated new merge migration {context.relative(files[0].path)}")
    return 0
