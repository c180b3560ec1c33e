"""Password rules beyond Django's: no programme words (ASVS 6.2.11)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PROGRAMME_WORDS = (
    "seccoop",
    "caricom",
    "cbsi",
    "impacs",
    "commission",
    "dialogue",
    "caribbean",
    "security",
    "jamaica",
    "barbados",
    "trinidad",
    "bahamas",
    "guyana",
    "suriname",
    "haiti",
    "belize",
    "dominica",
    "grenada",
    "antigua",
    "montserrat",
    "kitts",
    "lucia",
    "vincent",
    "password",
)


class ProgrammeWordValidator:
    """Refuse a password that is mostly a programme, agency or state name."""

    def validate(self, password: str, user: Any = None) -> None:
        lowered = password.lower()
        for word in PROGRAMME_WORDS:
            if word in lowered and len(lowered.replace(word, "")) < 10:
                raise ValidationError(
                    _(
                        "This password is built around the word '{word}'; choose a passphrase of your own."
                    ).format(word=word),
                    code="password_programme_word",
                )

    def get_help_text(self) -> str:
        return _(
            "Your password cannot be built around the name of the programme, an agency or a state."
        )
