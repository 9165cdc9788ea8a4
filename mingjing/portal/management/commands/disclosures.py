"""`mingjing disclosures sweep|import FILE`: the disclosure deadline sweep (GK01 alerts for
overdue 三务公开 items, also run daily by the worker) and a township's bulk import from a
workbook, as the instance's operator (items arrive awaiting each village's approval)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mingjing.datahub.reader import FileProblem
from mingjing.portal import disclosures


class Command(BaseCommand):
    help = "Disclosures (三务公开): sweep overdue items into alerts, or import a workbook."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sweep = sub.add_parser("sweep", help="turn overdue disclosures into GK01 alerts")
        sweep.add_argument("--today", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)")
        imp = sub.add_parser("import", help="import a workbook of disclosures (every row or none)")
        imp.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "sweep":
            counts = disclosures.do_disclosure_sweep(options["today"])
            self.stdout.write(
                f"超期未公开 overdue {counts['overdue']}，新预警 created {counts['created']}，"
                f"更新 updated {counts['updated']}，不再出现 not seen {counts['not_seen']}")
            return
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"找不到文件 / no such file: {path}")
        try:
            report = disclosures.do_import_disclosures(user=None, path=path, source_name=path.name)
        except FileProblem as exc:
            raise CommandError(f"{exc.zh}\n{exc.en}") from exc
        except disclosures.ImportProblem as exc:
            lines = [f"第 {p.row} 行 / row {p.row}: {p.zh} / {p.en}" for p in exc.problems]
            raise CommandError("未导入任何事项 / nothing imported:\n" + "\n".join(lines)) from exc
        self.stdout.write(f"已导入 {len(report.created)} 项（{report.villages} 个村），待村务监督委员会审核 / "
                          f"imported {len(report.created)} items for {report.villages} villages, awaiting approval")
