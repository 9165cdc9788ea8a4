"""`mingjing audit verify|checkpoint`: check that the trail was neither edited nor cut, and
record the chain's head outside the table."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from mingjing.audit.actions import do_checkpoint, verify
from mingjing.audit.checkpoints import Checkpoint


class Command(BaseCommand):
    help = (
        "verify: check the audit trail's hash chain against its checkpoints (exit 1 if an entry was edited or "
        "deleted, or the end of the trail was cut); checkpoint: append the chain's head to "
        "audit-checkpoints.jsonl in the home and send it to the witness, if one is configured."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "checkpoint"])
        parser.add_argument(
            "--if-due", action="store_true",
            help="checkpoint: only if there is none of today yet (for cron, when the worker's sweep is off)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "checkpoint":
            self._checkpoint(if_due=options["if_due"])
            return
        verdict = verify()
        if not verdict.ok:
            raise CommandError(verdict.reason, returncode=1)
        self.stdout.write(f"审计链完整，共 {verdict.checked} 条 / audit chain intact: {verdict.checked} entries")
        if verdict.checkpoint is not None:
            zh, en = _head(verdict.checkpoint)
            when = f"{timezone.localtime(verdict.checkpoint.at):%Y-%m-%d %H:%M}"
            self.stdout.write(f"与 {when} 的检查点一致({zh}) / matches the checkpoint of {when} ({en})")
        if verdict.note:
            self.stdout.write(verdict.note)

    def _checkpoint(self, *, if_due: bool) -> None:
        point = do_checkpoint(if_due=if_due)
        if point is None:
            self.stdout.write("今天已有检查点，未再写入 / a checkpoint of today exists: none written")
            return
        zh, en = _head(point)
        self.stdout.write(f"已写入检查点：{zh} / checkpoint written: {en}")


def _head(point: Checkpoint) -> tuple[str, str]:
    """What a checkpoint recorded, in Chinese and English."""
    if point.last_id is None:
        return "审计记录为空", "the trail was empty"
    return (f"{point.count} 条，至第 {point.last_id} 条，哈希 {point.last_hash[:16]}…",
            f"{point.count} entries up to entry {point.last_id}, hash {point.last_hash[:16]}…")
