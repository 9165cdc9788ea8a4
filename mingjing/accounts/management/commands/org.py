"""`mingjing org sync [--json]`: the county's organisations from its imported regions and programmes."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mingjing.accounts.actions import do_sync_organisations
from mingjing.accounts.models import Organisation
from mingjing.accounts.staff import in_chinese


class Command(BaseCommand):
    help = "Create and rename organisations to match the imported regions and programmes (never deletes)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sync = sub.add_parser("sync", help="organisations from the regions and programmes (idempotent)")
        sync.add_argument("--json", action="store_true", help="the report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        report = do_sync_organisations()
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False))
            return
        for kind, names in report.created.items():
            if names:
                label = in_chinese(Organisation.Kind(kind).label)
                self.stdout.write(f"新建{label} {len(names)} 个 / created {len(names)} {kind}: {'、'.join(names)}")
        for r in report.renamed:
            self.stdout.write(f"更名 renamed {r['code']}: {r['old']} → {r['new']}")
        if report.not_in_data:
            self.stdout.write(
                f"数据中已没有、但予以保留的组织 {len(report.not_in_data)} 个（从不删除，预警和账号仍指向它们）/ "
                f"{len(report.not_in_data)} organisations no longer in the data, kept (never deleted):"
            )
            for o in report.not_in_data:
                self.stdout.write(f"  {o['name']} ({o['kind']} {o['key']}), 人员 members: {o['members']}")
        if not report.changed:
            self.stdout.write(f"组织机构已是最新（{report.unchanged} 个）/ organisations up to date ({report.unchanged})")
        else:
            self.stdout.write(f"未变 unchanged: {report.unchanged}")
