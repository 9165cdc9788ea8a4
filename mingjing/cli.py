"""The `mingjing` command: Django's management commands on a home that is always ready.

`mingjing import ...` is `manage.py import ...`, except that a fresh, empty MINGJING_HOME gets
its database migrated first, so every command works on a new machine.
"""

from __future__ import annotations

import os
import sys

# Commands that manage the schema themselves, or that must not touch the database.
NO_AUTO_MIGRATE = {"makemigrations", "migrate", "test", "help", "version", "--help", "-h",
                   "--version", "compilemessages", "makemessages", "check", "sqlmigrate",
                   "showmigrations", "collectstatic"}


def ensure_migrated() -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", interactive=False, verbosity=0)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "mingjing"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mingjing.settings")
    import django
    from django.core.management import execute_from_command_line

    django.setup()
    if len(argv) > 1 and argv[1] not in NO_AUTO_MIGRATE:
        ensure_migrated()
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
