"""`mingjing import DATASET FILE`: import one department file as a new batch."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mingjing.datahub.actions import do_import_file
from mingjing.datahub.contract import DATASETS
from mingjing.datahub.models import Batch
from mingjing.datahub.reader import FileProblem

FILE_ERROR = 2


class Command(BaseCommand):
    help = "Import a department file (CSV/TXT/XLSX/XLS) into a dataset. Exit 2 on a file-level error."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dataset", help=f"one of: {', '.join(DATASETS)}")
        parser.add_argument("file", type=Path)
        parser.add_argument("--sheet", help="workbook sheet name (default: the first sheet)")
        parser.add_argument("--force", action="store_true", help="import even if the same bytes were imported before")
        parser.add_argument("--replace", action="store_true", help="the new batch supersedes every active batch of the dataset")
        parser.add_argument("--json", action="store_true", help="print the batch report as JSON on the last line")

    def handle(self, *args: Any, **options: Any) -> None:
        progress = _TerminalProgress() if sys.stderr.isatty() and not options["json"] else None
        try:
            batch = do_import_file(
                options["dataset"],
                options["file"],
                sheet=options["sheet"],
                force=options["force"],
                replace=options["replace"],
                progress=progress,
            )
        except FileProblem as problem:
            self._file_error(options, problem.code, f"{problem.zh}\n{problem.en}", None)
            return
        finally:
            if progress:
                progress.close()
        if batch.status == Batch.Status.FAILED:
            self._file_error(options, batch.error_code, batch.error, batch)
            return
        report = batch.report()
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, default=str))
            return
        self.stdout.write(
            f"批次 #{batch.pk} {batch.dataset}：读取 {batch.rows_read} 行，导入 {batch.rows_loaded} 行，"
            f"拒收 {batch.rows_rejected} 行 / batch #{batch.pk} {batch.dataset}: "
            f"{batch.rows_read} read, {batch.rows_loaded} loaded, {batch.rows_rejected} rejected"
        )
        if batch.rows_rejected:
            self.stdout.write(f"拒收明细 rejects: {report['rejects_file']}")
        if batch.ignored_headers:
            self.stdout.write(f"忽略的表头 ignored headers: {', '.join(batch.ignored_headers)}")
        for kind, count in batch.normalised.items():
            self.stdout.write(f"  {kind}: {count}")

    def _file_error(self, options: dict[str, Any], code: str, message: str, batch: Batch | None) -> None:
        if options["json"]:
            report = batch.report() if batch else {"batch_id": None, "dataset": options["dataset"]}
            report.update({"status": "failed", "error_code": code, "error": message})
            self.stdout.write(json.dumps(report, ensure_ascii=False, default=str))
        raise CommandError(message, returncode=FILE_ERROR)


class _TerminalProgress:
    def __init__(self) -> None:
        self.shown = False

    def __call__(self, rows: int) -> None:
        sys.stderr.write(f"\r已处理 {rows:,} 行 / {rows:,} rows processed")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
