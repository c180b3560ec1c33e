"""``seccoop reencrypt-secrets``: write the encrypted secrets again with the first field key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from seccoop.accounts.services import reencrypt_secrets


class Command(BaseCommand):
    help = (
        "Encrypt every stored secret (TOTP keys) again with the first key of SECCOOP_FIELD_KEY, "
        "so that the keys after it can be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = reencrypt_secrets()
        self.stdout.write(f"{count} secret(s) encrypted with the first SECCOOP_FIELD_KEY.")
