"""`mingjing api token create USER [--name N] [--days D]`, `mingjing api token list [USER]`,
`mingjing api token revoke PREFIX`: bearer tokens for the JSON API, from the command line.

The command line is the instance's operator: it may make a token for any staff account with a role
and revoke any token (recorded in the trail with no actor)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from mingjing.accounts import policy
from mingjing.api.actions import do_create_token, do_revoke_token
from mingjing.api.models import ApiToken

STATUS_ZH = {"active": "有效", "expired": "已过期", "revoked": "已撤销"}


class Command(BaseCommand):
    help = "Create, list and revoke API tokens (a new token's secret is printed once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["token"])
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="create a token for USER and print its secret")
        create.add_argument("username")
        create.add_argument("--name", default="cli")
        create.add_argument("--days", type=int, default=None, help="lifetime (default MINGJING_API_TOKEN_DAYS)")
        listing = actions.add_parser("list", help="list tokens, of USER only if given")
        listing.add_argument("username", nargs="?")
        revoke = actions.add_parser("revoke", help="revoke the token whose prefix is PREFIX")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        {"create": self.create_token, "list": self.list_tokens, "revoke": self.revoke_token}[options["action"]](options)

    def create_token(self, options: dict[str, Any]) -> None:
        username = options["username"]
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"没有用户 {username} / no user {username}", returncode=2)
        if policy.role_of(user) is None:
            raise CommandError(f"用户 {username} 没有角色,令牌将无法使用 / user {username} has no role: "
                               "the API would refuse the token", returncode=2)
        if options["days"] is not None and options["days"] < 1:
            raise CommandError("有效期至少 1 天 / --days must be at least 1", returncode=2)
        token, secret = do_create_token(user=user, name=options["name"], days=options["days"])
        self.stdout.write(secret)
        self.stderr.write(f"有效期至 / expires {timezone.localtime(token.expires_at):%Y-%m-%d %H:%M}")

    def list_tokens(self, options: dict[str, Any]) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("user__username", "-created_at")
        if options["username"]:
            tokens = tokens.filter(user__username=options["username"])
        self.stdout.write("prefix    user             name             created           expires           last used         status")
        for t in tokens:
            self.stdout.write(
                f"{t.prefix:<9} {t.user.get_username():<16} {t.name:<16} {_when(t.created_at)} "
                f"{_when(t.expires_at)} {_when(t.last_used_at)} {t.status} {STATUS_ZH[t.status]}"
            )

    def revoke_token(self, options: dict[str, Any]) -> None:
        prefix = options["prefix"]
        matches = list(ApiToken.objects.filter(prefix=prefix, revoked=False))
        if not matches:
            raise CommandError(f"没有前缀为 {prefix} 的有效令牌 / no unrevoked token with prefix {prefix}",
                               returncode=2)
        if len(matches) > 1:  # 48 random bits: practically never
            raise CommandError(f"前缀 {prefix} 对应多个令牌 / several tokens have prefix {prefix}", returncode=2)
        token = do_revoke_token(token=matches[0], user=None)
        self.stdout.write(f"已撤销 / revoked {token.prefix} ({token.user.get_username()}, {token.name})")


def _when(at: Any) -> str:
    return f"{timezone.localtime(at):%Y-%m-%d %H:%M}" if at else "—".ljust(16)
