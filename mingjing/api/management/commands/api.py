"""`mingjing api token create USERNAME [--name NAME]`: a bearer token for the JSON API."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mingjing.api.actions import do_create_token


class Command(BaseCommand):
    help = "Create an API token for a user (printed once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["token"])
        parser.add_argument("action", choices=["create"])
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"没有用户 {options['username']} / no user {options['username']}", returncode=2)
        _, secret = do_create_token(user=user, name=options["name"])
        self.stdout.write(secret)
