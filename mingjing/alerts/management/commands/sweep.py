"""`mingjing sweep`: escalate overdue alerts and complaints, create talk tasks, close complaints whose
rating window passed (run from cron or the worker)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from mingjing.alerts.actions import do_sweep
from mingjing.complaints.actions import do_complaint_sweep


class Command(BaseCommand):
    help = ("Escalate overdue alerts (medium → high → county supervision) and complaints (to the level above), "
            "create talk tasks, close complaints not rated within 7 days.")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = do_sweep()
        self.stdout.write(
            f"升级 raised {counts['raised']}，督办 supervised {counts['supervised']}，约谈 talks {counts['talks']}"
        )
        done = do_complaint_sweep()
        self.stdout.write(f"投诉逾期上报 complaints escalated {done['escalated']}，"
                          f"逾期未评价办结 closed unrated {done['closed']}")
