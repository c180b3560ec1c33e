"""Encryption at rest for secrets the platform must read back (TOTP keys), with Fernet
(AES-128-CBC and HMAC-SHA256, from ``cryptography``) and the keys in ``settings.FIELD_KEYS``."""

from __future__ import annotations

from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


class FieldKeyError(ImproperlyConfigured):
    """A stored secret cannot be decrypted with the configured keys."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(text: str) -> str:
    return _fernet(tuple(settings.FIELD_KEYS)).encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(tuple(settings.FIELD_KEYS)).decrypt(token.encode()).decode()
    except InvalidToken:
        raise FieldKeyError(
            "A secret stored in the database cannot be decrypted with SECCOOP_FIELD_KEY: it was "
            "encrypted with another key. Set SECCOOP_FIELD_KEY to the key in use when it was "
            "written (during a rotation, list the new key first and the old one after it)."
        ) from None


class EncryptedTextField(models.TextField):
    """Text encrypted in the database, plain in Python. Each save encrypts with the first key.

    The stored value differs at every save, so it cannot be searched or compared in SQL.
    """

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return None if value is None else decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return None if value is None else encrypt(value)
