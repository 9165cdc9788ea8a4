"""`mingjing access doc`: the access policy as a Markdown table (docs/access.md is its output)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mingjing.accounts.policy import markdown_table


class Command(BaseCommand):
    help = "Print the access policy (roles x permissions) as Markdown, for docs/access.md."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["doc"])

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(markdown_table(), ending="")
