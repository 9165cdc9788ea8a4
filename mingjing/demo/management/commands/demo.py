"""`mingjing demo generate|load|up`: a synthetic county to try Mingjing on.

`demo up` is the README's main job: it generates a small county into the home (once), imports
it, creates the demo accounts, starts the background worker and serves the web UI on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count

from mingjing.accounts.actions import do_import_staff, do_sync_organisations
from mingjing.accounts.models import Organisation, Role
from mingjing.accounts.staff import SheetRow
from mingjing.alerts.models import Alert
from mingjing.analysis.models import Run
from mingjing.complaints.demo import demo_line
from mingjing.datahub.actions import do_import_file
from mingjing.datahub.models import Batch
from mingjing.datahub.reader import FileProblem
from mingjing.portal.demo import household_url
from mingjing.portal.demo import seed_demo as seed_portal

PASSWORD = "mingjing-demo"
# One account per persona, imported like any county's staff sheet: phone (the login), name
# (shown in the UI), organisation kind, role.
DEMO_ACCOUNTS = [
    ("13800000001", "县纪委监委管理员（演示）", "county_commission", Role.COUNTY_ADMIN),
    ("13800000002", "乡镇纪委干部（演示）", "township_commission", Role.TOWNSHIP_OFFICER),
    ("13800000003", "民政局经办人（演示）", "department", Role.DEPARTMENT_OFFICER),
    ("13800000004", "村务监督委员会主任（演示）", "village", Role.VILLAGE_SUPERVISOR),
    ("13800000005", "村报账员（演示）", "village", Role.VILLAGE_BOOKKEEPER),
]


class Command(BaseCommand):
    help = "Generate, load or run a synthetic demo county."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        gen = sub.add_parser("generate", help="write a synthetic county as department files")
        gen.add_argument("out_dir", type=Path)
        gen.add_argument("--persons", type=int, default=3000)
        gen.add_argument("--seed", type=int, default=1)
        load = sub.add_parser("load", help="import a generated county in the manifest's order")
        load.add_argument("out_dir", type=Path)
        up = sub.add_parser("up", help="generate and load a county once, create accounts, serve")
        up.add_argument("--persons", type=int, default=3000)
        up.add_argument("--port", type=int, default=8000)
        up.add_argument("--no-serve", action="store_true", help="prepare everything, start nothing")
        evaluate = sub.add_parser("evaluate", help="precision and recall of every model on the demo county")
        evaluate.add_argument("--dir", type=Path, default=None, help="the county's folder (default: the home's)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "generate":
            self.generate(options["out_dir"], options["persons"], options["seed"])
        elif action == "load":
            self.load(options["out_dir"])
        elif action == "evaluate":
            call_command("evaluate", "--dir", str(options["dir"] or settings.HOME / "demo-county"), stdout=self.stdout)
        else:
            self.up(options)

    def generate(self, out_dir: Path, persons: int, seed: int) -> dict[str, Any]:
        from mingjing.demo.generator import generate

        manifest = generate(out_dir, persons=persons, seed=seed)
        hits = sum(len(v) for v in manifest["expected_hits"].values())
        self.stdout.write(
            f"已生成演示县 {out_dir}：{len(manifest['files'])} 个文件，预期疑点 {hits} 条 / "
            f"demo county written to {out_dir}: {len(manifest['files'])} files, {hits} expected hits"
        )
        return manifest

    def load(self, out_dir: Path) -> None:
        manifest_path = out_dir / "manifest.json"
        if not manifest_path.exists():
            raise CommandError(f"{manifest_path} 不存在 / not found", returncode=2)
        manifest = json.loads(manifest_path.read_text())
        files = {f["path"]: f for f in manifest["files"]}
        for path in manifest["import_order"]:
            entry = files[path]
            try:
                batch = do_import_file(entry["dataset"], out_dir / path, sheet=entry.get("sheet"))
            except FileProblem as problem:
                if problem.code == "duplicate":
                    self.stdout.write(f"  跳过已导入 skip (already imported): {path}")
                    continue
                raise CommandError(f"{path}: {problem.zh}\n{problem.en}", returncode=2) from problem
            if batch.status != Batch.Status.ACTIVE:
                raise CommandError(f"{path}: {batch.error}", returncode=2)
            self.stdout.write(
                f"  #{batch.pk} {entry['dataset']:<12} {path}: {batch.rows_loaded} 行导入 loaded, "
                f"{batch.rows_rejected} 行拒收 rejected"
            )

    def up(self, options: dict[str, Any]) -> None:
        county = settings.HOME / "demo-county"
        if not (county / "manifest.json").exists():
            self.generate(county, options["persons"], seed=1)
        if not Batch.objects.filter(status=Batch.Status.ACTIVE).exists():
            self.load(county)
        do_sync_organisations()
        if not Run.objects.filter(status=Run.Status.DONE).exists():
            self.stdout.write("运行问题模型 / running the problem models ...")
            call_command("detect", stdout=self.stdout)
        self.create_accounts()
        seeded = seed_portal()
        if options["no_serve"]:
            return
        url = f"http://127.0.0.1:{options['port']}/"
        village = seeded["disclosures"].get("village", "")
        self.stdout.write(
            f"\n明镜演示已就绪 / Mingjing demo is ready: {url}\n"
            + "".join(f"  登录 login: {phone} / {PASSWORD}  ({name})\n" for phone, name, _, _ in DEMO_ACCOUNTS)
            + f"  系统管理 admin: admin / {PASSWORD}\n"
            + f"  村民门户 villager portal: {url}v/" + (f"  (本村 a village: {url}v/{village}/)" if village else "") + "\n"
            + (f"  户廉码 a household's QR code: {household}\n" if (household := household_url()) else "")
            + (f"  二维码海报 QR posters (PDF): {posters}\n" if (posters := seeded["households"].get("posters")) else "")
            + demo_line(url)  # where to file a complaint, and a demo tracking code to look up
        )
        worker = subprocess.Popen([sys.executable, "-m", "mingjing.cli", "worker"], env=os.environ.copy())
        try:
            # --insecure: serve static files (CSS, htmx, ECharts) although DEBUG is off.
            call_command("runserver", f"127.0.0.1:{options['port']}", use_reloader=False, insecure_serving=True)
        finally:
            worker.terminate()
            worker.wait(timeout=10)

    def create_accounts(self) -> None:
        """One account per persona, in the organisations with the most alerts (so each sees some),
        through the staff import every county uses; the demo's accounts keep the demo password."""
        busiest = Alert.objects.values("township_code").annotate(n=Count("id")).order_by("-n").first()
        township_code = busiest["township_code"] if busiest else ""
        village = (Alert.objects.filter(township_code=township_code)
                   .values("region_code").annotate(n=Count("id")).order_by("-n").first())
        choose = {
            "county_commission": Organisation.objects.filter(kind="county_commission").first(),
            "township_commission": Organisation.objects.filter(kind="township_commission", region_code=township_code).first(),
            "department": Organisation.objects.filter(kind="department", department="民政局").first(),
            "village": Organisation.objects.filter(kind="village", region_code=village["region_code"] if village else "").first(),
        }
        rows = [
            SheetRow(i, name=name, phone=phone, organisation=organisation.region_code or organisation.department,
                     role=role.value)
            for i, (phone, name, kind, role) in enumerate(DEMO_ACCOUNTS, start=1)
            if (organisation := choose[kind]) is not None
        ]
        report = do_import_staff(rows=rows, source="demo", password=PASSWORD)
        for problem in report.problems:
            self.stderr.write(f"{problem.zh} / {problem.en}")
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", password=PASSWORD, first_name="系统管理员")
