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

from mingjing.analysis.models import Run
from mingjing.datahub.actions import do_import_file
from mingjing.datahub.models import Batch
from mingjing.datahub.reader import FileProblem

DEMO_ACCOUNTS = [
    # username, password, first name (shown in the UI), superuser
    ("analyst", "mingjing-demo", "县纪委监委分析员", True),
    ("minzheng", "mingjing-demo", "民政局经办人", False),
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

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "generate":
            self.generate(options["out_dir"], options["persons"], options["seed"])
        elif action == "load":
            self.load(options["out_dir"])
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
        if not Run.objects.filter(status=Run.Status.DONE).exists():
            self.stdout.write("运行问题模型 / running the problem models ...")
            call_command("detect", stdout=self.stdout)
        self.create_accounts()
        if options["no_serve"]:
            return
        url = f"http://127.0.0.1:{options['port']}/"
        self.stdout.write(
            f"\n明镜演示已就绪 / Mingjing demo is ready: {url}\n"
            + "".join(f"  登录 login: {u} / {p}  ({name})\n" for u, p, name, _ in DEMO_ACCOUNTS)
        )
        worker = subprocess.Popen([sys.executable, "-m", "mingjing.cli", "worker"], env=os.environ.copy())
        try:
            call_command("runserver", f"127.0.0.1:{options['port']}", use_reloader=False)
        finally:
            worker.terminate()
            worker.wait(timeout=10)

    def create_accounts(self) -> None:
        for username, password, first_name, superuser in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": first_name, "is_staff": True, "is_superuser": superuser}
            )
            if created:
                user.set_password(password)
                user.save(update_fields=["password"])
