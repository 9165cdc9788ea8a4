"""`mingjing hits export`: the stored hits as CSV, JSON or XLSX, for verification outside Mingjing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mingjing.analysis.export import FORMATS, ExportOptions, export_hits
from mingjing.analysis.models import Hit


class Command(BaseCommand):
    help = "Export hits (default: those found by their model's latest run)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="write hits to a CSV, JSON or XLSX file")
        export.add_argument(
            "--format",
            choices=FORMATS,
            default=None,
            help="default: from the file name's suffix, else csv",
        )
        export.add_argument(
            "--out", required=True, help="file to write; '-' for standard output (csv, json)"
        )
        export.add_argument(
            "--mask",
            action="store_true",
            help="mask ID numbers (first 6 + last 4) and account numbers",
        )
        export.add_argument(
            "--model",
            action="append",
            default=[],
            metavar="CODE",
            help="only this model, e.g. YKT01; repeatable",
        )
        export.add_argument(
            "--all", action="store_true", help="include hits that the latest run no longer found"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out_arg: str = options["out"]
        fmt = options["format"] or (
            Path(out_arg).suffix.lstrip(".").lower() if out_arg != "-" else "csv"
        )
        if fmt not in FORMATS:
            raise CommandError(
                f"无法从文件名判断导出格式，请用 --format 指定({'、'.join(FORMATS)})\n"
                f"cannot tell the format from the file name; give --format ({', '.join(FORMATS)})",
                returncode=2,
            )
        known = set(Hit.objects.values_list("model", flat=True).distinct())
        unknown = [m for m in options["model"] if m not in known]
        if unknown:
            raise CommandError(
                f"没有模型 {'、'.join(unknown)} 的疑点(有疑点的模型：{'、'.join(sorted(known)) or '无'})\n"
                f"no hits of model {', '.join(unknown)} (models with hits: {', '.join(sorted(known)) or 'none'})",
                returncode=2,
            )
        export_options = ExportOptions(
            fmt=fmt, mask=options["mask"], models=options["model"], include_not_seen=options["all"]
        )
        if out_arg == "-":
            if fmt == "xlsx":
                raise CommandError(
                    "XLSX 需要写入文件(--out 路径)\nXLSX needs a file (--out PATH)", returncode=2
                )
            # The wrapper's own write() would add line endings; write to the stream under it.
            export_hits(export_options, getattr(self.stdout, "_out", sys.stdout))
            return
        path = Path(out_arg)
        if not path.parent.is_dir():
            raise CommandError(
                f"目录不存在：{path.parent}\nno such folder: {path.parent}", returncode=2
            )
        count = export_hits(export_options, path)
        masked = "，证件号已脱敏 / IDs masked" if options["mask"] else ""
        self.stdout.write(
            f"已导出 {count} 条疑点到 {path}{masked} / exported {count} hits to {path} ({fmt})"
        )
