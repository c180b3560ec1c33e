"""``seccoop token create USERNAME --scope read|write [--days N]`` (and list, revoke)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from seccoop.accounts.models import ApiToken, User
from seccoop.accounts.services import create_token, revoke_token


class Command(BaseCommand):
    help = "Create, list or revoke API tokens. A new token is printed once and stored hashed."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token and print it once")
        create.add_argument("username")
        create.add_argument("--scope", choices=["read", "write"], default="read")
        create.add_argument("--days", type=int, default=None)
        create.add_argument("--name", default="command line")
        listing = sub.add_parser("list", help="list a user's tokens")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "revoke":
            token = ApiToken.objects.select_related("user").filter(prefix=options["prefix"]).first()
            if token is None:
                raise CommandError(f"No token with prefix {options['prefix']!r}.")
            revoke_token(token, actor=token.user)
            self.stdout.write(f"revoked {token.prefix}")
            return
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}.")
        if action == "list":
            for t in ApiToken.objects.filter(user=user):
                state = (
                    "revoked"
                    if t.revoked_at
                    else ("active" if t.expires_at > timezone.now() else "expired")
                )
                self.stdout.write(
                    f"{t.prefix}\t{t.scope}\t{t.expires_at:%Y-%m-%d}\t{state}\t{t.name}"
                )
            return
        try:
            _token, raw = create_token(
                user, actor=user, name=options["name"], scope=options["scope"], days=options["days"]
            )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from exc
        self.stdout.write(raw)
