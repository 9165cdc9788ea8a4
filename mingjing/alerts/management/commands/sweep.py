"""`mingjing sweep`: escalate overdue alerts and create talk tasks (run from cron or the worker)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from mingjing.alerts.actions import do_sweep


class Command(BaseCommand):
    help = "Escalate overdue alerts (medium → high → county supervision) and create talk tasks."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = do_sweep()
        self.stdout.write(
            f"升级 raised {counts['raised']}，督办 supervised {counts['supervised']}，约谈 talks {counts['talks']}"
        )
