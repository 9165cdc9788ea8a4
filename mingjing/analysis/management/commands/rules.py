"""`mingjing rules check|list`: validate the problem models and run their inline tests."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

import engine
from engine import RuleError


class Command(BaseCommand):
    help = "Check (validate + inline tests) or list the problem models."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["check", "list"])
        parser.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb")
        parser.add_argument("--dir", default=None, help="a folder of rule files (default: the configured rules)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rules = engine.load_rules(options["dir"] or settings.RULES_DIR)
        except RuleError as problem:
            raise CommandError(f"{problem.where}\n{problem.zh}\n{problem.en}", returncode=2) from problem
        if options["action"] == "list":
            for rule in rules:
                params = ", ".join(f"{p.name}={p.default}" for p in rule.parameters.values())
                self.stdout.write(f"{rule.code}  v{rule.version}  {rule.status:<12} {rule.level:<6} {rule.title}"
                                  + (f"  [{params}]" if params else ""))
            return
        failures = 0
        outcomes = engine.check_rules(rules, options["engine"])
        for rule, name, passed, message in outcomes:
            mark = "✓" if passed else "✗"
            self.stdout.write(f"{mark} {rule.code} {name}" + ("" if passed else f"\n    {message}"))
            failures += not passed
        self.stdout.write(
            f"{len(rules)} 个模型，{len(outcomes)} 个测试，{failures} 个失败 / "
            f"{len(rules)} models, {len(outcomes)} tests, {failures} failed ({options['engine']})"
        )
        if failures:
            raise CommandError(f"{failures} 个规则测试失败 / {failures} rule tests failed", returncode=1)
