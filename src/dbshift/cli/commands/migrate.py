"""``dbshift migrate``: apply or unapply migrations on a database."""

from __future__ import annotations

import argparse

from dbshift.actions.migrate import MigrationSession
from dbshift.cli.commands import SUMMARIES
from dbshift.cli.context import Context
from dbshift.cli.prompt import confirm
from dbshift.cli.reporting import ProgressReporter, print_plan, warn_about_model_changes
from dbshift.exceptions import PlanError, UserAbort


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "migrate",
        parents=[common],
        help=SUMMARIES["migrate"],
        description="Bring the database to the latest migrations, or to a target: "
        "'migrate pages 0001' unapplies what came after 0001, 'migrate pages zero' "
        "unapplies all of pages. Each migration runs in a transaction with its record; "
        "consecutive schema-only migrations share one (a failure reruns them one per "
        "transaction, so those before it stay applied), and atomic = False migrations "
        "run outside any.",
    )
    parser.add_argument("app_label", nargs="?", help="only this app (default: all apps)")
    parser.add_argument(
        "migration_name", nargs="?", help="target migration (a unique prefix), or 'zero'"
    )
    parser.add_argument("--plan", action="store_true", help="show what would run, run nothing")
    parser.add_argument(
        "--check",
        action="store_true",
        dest="check_unapplied",
        help="exit with status 1 if migrations are unapplied; change nothing",
    )
    parser.add_argument(
        "--fake", action="store_true", help="record migrations as (un)applied without running them"
    )
    parser.add_argument(
        "--fake-initial",
        action="store_true",
        help="record initial migrations as applied when all their tables and columns exist",
    )
    parser.add_argument("--database", default="default", help="database alias (default: default)")
    parser.add_argument(
        "--lock-timeout",
        type=float,
        metavar="SECONDS",
        help="give up when another migrate holds the lock this long (default: wait an hour)",
    )
    parser.add_argument(
        "--lock-wait",
        type=float,
        metavar="SECONDS",
        help="on PostgreSQL, how long a migration's statement may wait for a table lock "
        "before the migration is rolled back and tried again (default: the lock_timeout "
        "setting, else no limit)",
    )
    parser.add_argument(
        "--one-by-one",
        action="store_true",
        help="apply each migration as written even on an empty database (which is "
        "otherwise built straight to the end state of its leading schema-only migrations)",
    )
    parser.add_argument(
        "--stepwise",
        action="store_true",
        help="run each migration an operation at a time, recording its progress, so that "
        "one interrupted half-way resumes where it stopped (always so on MySQL and MariaDB)",
    )
    parser.add_argument(
        "--prune",
        action="store_true",
        help="delete the records of applied migrations whose files are gone (needs app_label)",
    )
    parser.add_argument(
        "--import-django-history",
        action="store_true",
        help="on a database Django's migrate built, record what django_migrations lists "
        "as applied without asking, and continue",
    )
    parser.add_argument(
        "--noinput",
        "--no-input",
        dest="interactive",
        action="store_false",
        help="never ask for confirmation",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, context: Context) -> int:
    if args.migration_name and not args.app_label:
        context.error("A migration name needs an app label: migrate <app_label> <migration_name>.")
        return 2
    if args.prune and not args.app_label:
        context.error("Migrations can be pruned only when an app is given: migrate <app> --prune.")
        return 2
    project = context.project()
    reporter = ProgressReporter(context)
    read_only = args.plan or args.check_unapplied
    with MigrationSession(
        project,
        args.database,
        args.lock_timeout,
        reporter,
        read_only=read_only,
        lock_wait=args.lock_wait,
    ) as session:
        if args.prune:
            return prune(context, session, args.app_label)
        take_over(context, session, args)
        session.check_history()
        targets = session.targets(args.app_label, args.migration_name)
        steps = session.plan(targets)
        if args.plan:
            print_plan(context, session, steps)
            return 0
        if args.check_unapplied:
            return 1 if steps else 0
        # A broken models.py stops migrate (see MigrationSession.run): find out before
        # saying what will run, so that the error is the only outcome shown.
        project.apps.import_models()
        print_intent(context, session, args)
        context.write("Running migrations:")
        if not steps:
            context.write("  No migrations to apply.")
        notes = session.run(
            steps,
            fake=args.fake,
            fake_initial=args.fake_initial,
            one_by_one=args.one_by_one,
            stepwise=args.stepwise,
        )
        for note in notes:
            context.write(f"  {note}", level=2)
        if not steps:
            # As Django does: with nothing to apply, say if migrations are missing.
            warn_about_model_changes(context, session.pending_model_changes())
    return 0


def take_over(context: Context, session: MigrationSession, args: argparse.Namespace) -> None:
    """Import the history of a database Django built, if there is one and the user agrees."""
    history = session.django_history()
    if history is None:
        return
    question = (
        f"This database was built by Django's migrate: django_migrations lists "
        f"{len(history.known) + len(history.unknown)} migration(s), and dbshift has no "
        f"history here. Record the {len(history.known)} of them this project has files "
        "for as applied, and continue?"
    )
    agreed = not session.read_only and (
        args.import_django_history or (args.interactive and confirm(context, question))
    )
    if not agreed:
        raise UserAbort(
            "This database was built by Django's migrate (it has django_migrations and no "
            "dbshift_migrations); nothing was changed. Run 'dbshift migrate "
            "--import-django-history' to record its applied migrations and continue."
        )
    session.import_django_history()
    context.write(f"Imported {len(history.known)} applied migration(s) from django_migrations.")
    for app, name in history.unknown:
        context.write(f"  Not imported (no such migration in this project): {app}.{name}", 2)


def prune(context: Context, session: MigrationSession, app_label: str) -> int:
    removable, kept = session.prunable(app_label)
    context.write("Pruning migrations:")
    if kept:
        names = ", ".join(f"{app}.{name}" for app, name in kept)
        raise PlanError(
            f"Cannot prune {names}: a squashed migration on disk still replaces them, and "
            "their records are what marks it applied. Remove 'replaces' from the squash "
            "first, once every database has applied it."
        )
    if not removable:
        context.write("  No migrations to prune.")
    session.prune(removable)
    for app, name in removable:
        context.write(f"  Pruning {app}.{name} OK")
    return 0


def print_intent(context: Context, session: MigrationSession, args: argparse.Namespace) -> None:
    context.write("Operations to perform:")
    if args.app_label is None:
        labels = ", ".join(sorted(session.loader.migrated_apps))
        context.write(f"  Apply all migrations: {labels or '(none)'}")
    elif args.migration_name is None:
        context.write(f"  Apply all migrations: {args.app_label}")
    elif args.migration_name == "zero":
        context.write(f"  Unapply all migrations: {args.app_label}")
    else:
        target = session.loader.get_by_prefix(args.app_label, args.migration_name)
        context.write(f"  Target specific migration: {target.name}, from {args.app_label}")
