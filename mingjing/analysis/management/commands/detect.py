"""`mingjing detect`: run the problem models over the current data, store the hits, make alerts."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mingjing.alerts.actions import sync_alerts
from mingjing.analysis.actions import RunProblem, do_start_run, parse_param_overrides, run_detection
from mingjing.analysis.models import Run


class Command(BaseCommand):
    help = "Run problem models (all enabled ones by default) over the active batches."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb")
        parser.add_argument("--model", action="append", default=[], metavar="CODE", help="e.g. YKT01; repeatable")
        parser.add_argument("--param", action="append", default=[], metavar="CODE.NAME=VALUE",
                            help="parameter override for this run, e.g. YKT07.min_people=4; repeatable")
        parser.add_argument("--json", action="store_true", help="print the run summary as JSON on the last line")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            run = do_start_run(
                engine_name=options["engine"],
                models=options["model"],
                param_overrides=parse_param_overrides(options["param"]),
            )
        except RunProblem as problem:
            raise CommandError(f"{problem.zh}\n{problem.en}", returncode=2) from problem
        run = run_detection(run.pk)
        if run.status == Run.Status.DONE:
            sync_alerts(run)  # every hit enters the alert loop
        results = list(run.model_results.all())
        if options["json"]:
            self.stdout.write(json.dumps(_summary(run, results), ensure_ascii=False, default=str))
        else:
            self.stdout.write(f"运行 #{run.pk}({run.engine})/ run #{run.pk} ({run.engine}): {run.status}")
            for r in results:
                warn = f"  ⚠ {r.warning}" if r.warning else ""
                self.stdout.write(
                    f"  {r.code}: 检查 examined {r.examined:,}，疑点 hits {r.hits}(新增 new {r.new_hits})，"
                    f"{r.seconds:.2f} s{warn}"
                )
        if run.status == Run.Status.FAILED:
            raise CommandError(run.error, returncode=1)


def _summary(run: Run, results: list[Any]) -> dict[str, Any]:
    return {
        "run_id": run.pk,
        "engine": run.engine,
        "status": run.status,
        "snapshot": run.snapshot,
        "params": run.params,
        "hits_total": run.hits_total,
        "hits_new": run.hits_new,
        "models": [
            {"model": r.code, "examined": r.examined, "rows": r.rows, "hits": r.hits, "new_hits": r.new_hits,
             "seconds": r.seconds, "warning": r.warning or None}
            for r in results
        ],
        "error": run.error or None,
    }
