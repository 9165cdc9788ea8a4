"""`mingjing evaluate`: score the stored hits against a demo county's manifest of planted cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mingjing.analysis.evaluate import ModelScore, evaluate, show_key


class Command(BaseCommand):
    help = (
        "Compare the hits found by each model's latest run with a demo manifest's expected hits; "
        "exit 1 if any model's precision or recall is below 1."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        where = parser.add_mutually_exclusive_group()
        where.add_argument("--manifest", type=Path, help="a demo county's manifest.json")
        where.add_argument(
            "--dir", type=Path, help="a demo county folder (default: the home's demo-county)"
        )
        parser.add_argument(
            "--model",
            action="append",
            default=[],
            metavar="CODE",
            help="only this model; repeatable",
        )
        parser.add_argument("--json", action="store_true", help="print the scores as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = (
            options["manifest"]
            or (options["dir"] or settings.HOME / "demo-county") / "manifest.json"
        )
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(
                f"无法读取清单 {path}：{exc}\ncannot read the manifest {path}: {exc}", returncode=2
            ) from exc
        if not isinstance(manifest, dict) or "expected_hits" not in manifest:
            raise CommandError(
                f"{path} 不是演示县清单(缺少 expected_hits)\n{path} is not a demo manifest (no expected_hits)",
                returncode=2,
            )
        scores = evaluate(manifest, options["model"] or None)
        if options["json"]:
            self.stdout.write(
                json.dumps({c: s.as_dict() for c, s in scores.items()}, ensure_ascii=False)
            )
        else:
            self.report(scores)
        failing = [c for c, s in scores.items() if not s.perfect]
        if failing:
            raise CommandError(
                f"{len(failing)} 个模型的精确率或召回率低于 1：{'、'.join(failing)}\n"
                f"{len(failing)} models below precision or recall 1: {', '.join(failing)}",
                returncode=1,
            )

    def report(self, scores: dict[str, ModelScore]) -> None:
        self.stdout.write(
            f"{'模型 model':<10} {'预期 exp':>8} {'发现 found':>10} {'命中 TP':>8} "
            f"{'精确率 P':>9} {'召回率 R':>9} {'等级一致 level':>14}"
        )
        for code, s in scores.items():
            note = "" if s.ran else "  未运行 not run"
            self.stdout.write(
                f"{code:<10} {s.expected:>8} {s.found:>10} {s.true_positives:>8} "
                f"{s.precision:>9.2f} {s.recall:>9.2f} {s.level_agreement:>14.2f}{note}"
            )
            for key, why in s.missed:
                self.stdout.write(f"    漏报 missed: {show_key(key)}  ({why})")
            for key, level in s.unexpected:
                self.stdout.write(f"    误报 unexpected: {show_key(key)}  [{level}]")
            for key, want, got in s.level_mismatches:
                self.stdout.write(
                    f"    等级不符 level: {show_key(key)}  expected {want}, found {got}"
                )
            for key, why in s.negatives_hit:
                self.stdout.write(f"    命中反例 negative hit: {show_key(key)}  ({why})")
        expected = sum(s.expected for s in scores.values())
        found = sum(s.found for s in scores.values())
        tp = sum(s.true_positives for s in scores.values())
        self.stdout.write(
            f"{'合计 total':<10} {expected:>8} {found:>10} {tp:>8} "
            f"{(tp / found if found else 1.0):>9.2f} {(tp / expected if expected else 1.0):>9.2f}"
        )
