"""`mingjing batches`: list imported batches."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mingjing.datahub.models import Batch


class Command(BaseCommand):
    help = "List imported batches, newest first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dataset")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        batches = Batch.objects.all()
        if options["dataset"]:
            batches = batches.filter(dataset=options["dataset"])
        if options["json"]:
            self.stdout.write(json.dumps([b.report() for b in batches], ensure_ascii=False, default=str))
            return
        self.stdout.write(f"{'id':>6}  {'dataset':<12} {'status':<10} {'read':>10} {'loaded':>10} {'rejected':>9}  file")
        for b in batches:
            self.stdout.write(
                f"{b.pk:>6}  {b.dataset:<12} {b.status:<10} {b.rows_read:>10} {b.rows_loaded:>10} "
                f"{b.rows_rejected:>9}  {b.source_name}"
            )
