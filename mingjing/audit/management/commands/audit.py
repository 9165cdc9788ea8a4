"""`mingjing audit verify`: check that the trail was neither edited nor cut."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mingjing.audit.actions import verify


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain (exit 1 if an entry was edited or deleted)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        verdict = verify()
        if not verdict.ok:
            raise CommandError(verdict.reason, returncode=1)
        self.stdout.write(f"审计链完整，共 {verdict.checked} 条 / audit chain intact: {verdict.checked} entries")
