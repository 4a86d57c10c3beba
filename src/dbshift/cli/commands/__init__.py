"""One module per command, each with ``register(subparsers, common)``.

Only the module of the command being run is imported (with the library code it
needs); the others appear in ``--help`` through these one-line summaries.
"""

SUMMARIES = {
    "check": "report models without migrations, unapplied, edited or deleted migrations",
    "convert-django": "rewrite a Django app's migration files to import dbshift",
    "lint": "report migrations that lock busy tables or break the running code",
    "makemigrations": "write new migrations for model changes",
    "migrate": "apply or unapply migrations",
    "optimizemigration": "optimize the operations of one migration",
    "repair": "accept edits of applied migrations (record their new checksums)",
    "showmigrations": "list migrations and their status",
    "sqlmigrate": "print the SQL of a migration",
    "squashmigrations": "squash a run of migrations into one",
    "startapp": "create a new app",
    "startproject": "create a new project",
}
