"""`mingjing batch retract BATCH_ID`, `mingjing batch show BATCH_ID`."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mingjing.datahub.actions import do_retract_batch
from mingjing.datahub.models import Batch
from mingjing.datahub.reader import FileProblem


class Command(BaseCommand):
    help = "Show or retract a batch."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["show", "retract"])
        parser.add_argument("batch_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        batch = Batch.objects.filter(pk=options["batch_id"]).first()
        if batch is None:
            raise CommandError(f"没有批次 #{options['batch_id']} / no batch #{options['batch_id']}", returncode=2)
        if options["action"] == "show":
            self.stdout.write(json.dumps(batch.report(), ensure_ascii=False, indent=2, default=str))
            return
        try:
            batch = do_retract_batch(batch=batch)
        except FileProblem as problem:
            raise CommandError(f"{problem.zh}\n{problem.en}", returncode=2) from problem
        self.stdout.write(f"批次 #{batch.pk} 已撤回 / batch #{batch.pk} retracted")
