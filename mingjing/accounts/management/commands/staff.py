"""`mingjing staff template|import|deactivate|reactivate`: staff accounts from a sheet.

    mingjing staff template staff.xlsx                  # the blank sheet, with an example row
    mingjing staff import staff.xlsx [--sheet S] [--dry-run] [--json]
    mingjing staff deactivate 13800138000              # never deletes; reactivate undoes it

`import` writes all rows or none: it exits 0 when the accounts were written (or a dry run found
nothing wrong) and 2 when nothing was written, explaining each problem in Chinese and English.
The one-time passwords of new accounts are printed once, here, and stored nowhere in clear.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mingjing.accounts import staff
from mingjing.accounts.actions import StaffReport, do_import_staff_file, do_set_staff_active
from mingjing.accounts.policy import Refused
from mingjing.datahub.reader import FileProblem

OUTCOME = {"create": "新建 create", "update": "更新 update", "unchanged": "未变 unchanged"}


class Command(BaseCommand):
    help = "Staff accounts from a sheet: template, import (all rows or none), deactivate, reactivate."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        template = sub.add_parser("template", help="write the blank staff sheet (XLSX) with an example row")
        template.add_argument("out", type=Path)
        load = sub.add_parser("import", help="create or update accounts from a sheet: all rows or none")
        load.add_argument("path", type=Path)
        load.add_argument("--sheet", default=None, help="the workbook's sheet (default: the first)")
        load.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
        load.add_argument("--json", action="store_true", help="the report as JSON (with the new passwords)")
        for name in ("deactivate", "reactivate"):
            toggle = sub.add_parser(name, help=f"{name} the account of a phone number (never deletes)")
            toggle.add_argument("phone")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "template":
            options["out"].write_bytes(staff.template_workbook())
            self.stdout.write(f"已写出人员名单模板 {options['out']} / staff sheet template written to {options['out']}")
        elif action == "import":
            self.import_sheet(options)
        else:
            self.set_active(options["phone"], active=action == "reactivate")

    def import_sheet(self, options: dict[str, Any]) -> None:
        try:
            report = do_import_staff_file(options["path"], sheet=options["sheet"], dry_run=options["dry_run"])
        except FileProblem as problem:
            raise CommandError(f"{problem.zh}\n{problem.en}", returncode=2) from problem
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False))
        else:
            self.show(report)
        if not report.ok:
            raise CommandError(
                f"{len(report.problems)} 处问题，未写入任何账号 / {len(report.problems)} problems: nothing was written",
                returncode=2,
            )

    def show(self, report: StaffReport) -> None:
        out = self.stdout.write
        out(f"读取 {report.source}：{report.rows} 行 / read {report.source}: {report.rows} rows")
        for p in report.problems:
            out(f"  第 {p.row} 行 row {p.row}: {p.zh} / {p.en}")
        if not report.ok:
            return
        counts = f"新建 {report.created}、更新 {report.updated}、未变 {report.unchanged}"
        counts_en = f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}"
        if report.dry_run:
            out(f"试运行，未写入任何账号；将会{counts} / dry run, nothing written; would be {counts_en}")
            for line in report.lines:
                changes = "; ".join(f"{k}: {a or '—'} → {b or '—'}" for k, a, b in line.change_list)
                out(f"  第 {line.row} 行 row {line.row}: {OUTCOME[line.outcome]} {line.name} {line.phone} "
                    f"{line.organisation} {line.role_name} {changes}".rstrip())
            return
        out(f"已写入：{counts} / written: {counts_en}")
        for line in report.lines:
            if line.outcome == "update":
                changes = "; ".join(f"{k}: {a or '—'} → {b or '—'}" for k, a, b in line.change_list)
                out(f"  更新 updated {line.name} {line.phone}: {changes}")
        if report.new_accounts:
            out("一次性密码（只显示这一次，首次登录时必须修改）/ one-time passwords (shown only now; "
                "to be changed at first sign-in):")
            for line in report.new_accounts:
                out(f"  {line.name}\t{line.phone}\t{line.organisation}\t{line.role_name}\t{line.password}")

    def set_active(self, phone: str, *, active: bool) -> None:
        account = User.objects.filter(username=staff.normalise_phone(phone)).first()
        if account is None:
            raise CommandError(f"没有手机号为 {phone} 的账号 / no account with phone {phone}", returncode=2)
        try:
            do_set_staff_active(account=account, active=active)
        except Refused as refused:
            raise CommandError(f"{refused.zh}\n{refused.en}", returncode=2) from refused
        if active:
            self.stdout.write(f"账号 {account.username} 已启用 / account {account.username} reactivated")
        else:
            self.stdout.write(f"账号 {account.username} 已停用，历史记录全部保留 / account {account.username} "
                              f"deactivated; its history is kept")
