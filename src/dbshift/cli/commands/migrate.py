"""``dbshift migrate``: apply or unapply migrations on a database."""

from __future__ import annotations

import argparse

from dbshift.api import migrate
from dbshift.cli.commands import SUMMARIES
from dbshift.cli.context import Context
from dbshift.cli.reporting import MigrateReporter, print_plan, warn_about_model_changes


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
    result = migrate(
        args.app_label,
        args.migration_name,
        database=args.database,
        plan=args.plan or args.check_unapplied,
        sql=args.plan and context.verbosity >= 2,
        fake=args.fake,
        fake_initial=args.fake_initial,
        one_by_one=args.one_by_one,
        stepwise=args.stepwise,
        lock_timeout=args.lock_timeout,
        lock_wait=args.lock_wait,
        import_django_history=args.import_django_history,
        prune=args.prune,
        listener=MigrateReporter(context, args),
        settings=context.project(),
    )
    if args.prune:
        for label in result.pruned:
            context.write(f"  Pruning {label} OK")
    elif args.plan:
        print_plan(context, result)
    elif args.check_unapplied:
        return 1 if result.steps else 0
    else:
        for note in result.notes:
            context.write(f"  {note}", level=2)
        # As Django does: with nothing to apply, say if migrations are missing.
        warn_about_model_changes(context, result.model_changes)
    return 0
