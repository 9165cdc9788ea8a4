"""`mingjing complaints sweep|triage-eval|retrain`: the complaint deadline sweep (also run by the
worker), the suggested category's measured accuracy, and retraining it from staff decisions."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mingjing.complaints import actions, triage, triage_samples


class Command(BaseCommand):
    help = "Complaints (监督一点通): sweep deadlines, report or retrain the suggested category."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("sweep", help="escalate overdue complaints, close those not rated within 7 days")
        evaluate = sub.add_parser("triage-eval", help="accuracy of the suggested category: on the synthetic "
                                  "held-out set, and on the staff's decisions so far")
        evaluate.add_argument("--json", action="store_true")
        retrain = sub.add_parser("retrain", help="retrain the suggested category from staff decisions now")
        retrain.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "sweep":
            counts = actions.do_complaint_sweep()
            self.stdout.write(f"逾期上报 escalated {counts['escalated']}，逾期未评价办结 closed unrated {counts['closed']}")
            return
        if action == "retrain":
            report = triage.retrain_from_db(force=True)
            self._show([report] if report is not None else [], options["json"])
            return
        synthetic = triage.Classifier.train(triage.training_set([])).evaluate(
            triage_samples.evaluation_samples(), source="合成留出集 / synthetic held-out set")
        field = triage.suggestions_report()
        self._show([synthetic] + ([field] if field is not None else []), options["json"])

    def _show(self, reports: list[triage.Report], as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps([r.as_dict() for r in reports], ensure_ascii=False, indent=1))
            return
        self.stdout.write("\n\n".join(triage.report_text(r) for r in reports))
