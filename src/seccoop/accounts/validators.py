"""Password strength: zxcvbn (its frequency lists of breached and common passwords, names and
words), fed with the programme's words and the user's own details (ASVS 6.2.11, 6.2.12)."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django_zxcvbn_password_validator import ZxcvbnPasswordValidator


class PassphraseValidator(ZxcvbnPasswordValidator):
    """zxcvbn on the whole password, then on what is left once the programme's words
    (``PASSWORD_EXTRA_DICTIONARY``) and the user's own details are taken out.

    zxcvbn alone rates ``caribbean-security-2010`` as strong: separators split it into pieces it
    prices as random characters. The second check asks the rest of the password to be strong.
    """

    def _known_words(self, user: Any) -> list[str]:
        words: set[str] = set()
        for value in self._get_user_inputs(user):
            words.add(value.lower())
            words.update(part.lower() for part in re.split(r"[^\w]+|_", value))
        return sorted((w for w in words if len(w) >= 3), key=len, reverse=True)

    def validate(self, password: str, user: Any = None) -> None:
        super().validate(password, user)
        rest = password.lower()
        found: list[str] = []
        for word in self._known_words(user):
            if word in rest:
                found.append(word)
                rest = rest.replace(word, " ")
        if not found:
            return
        # Separators between the known words (and around the rest) add next to nothing.
        results = self._run_zxcvbn(re.sub(r"[\W_]+", "", rest), user)
        if results["score"] < self.password_minimal_strength:
            raise ValidationError(
                _(
                    "This password is mostly words anyone could guess about you or the programme "
                    "({words}); add words of your own."
                ).format(words=", ".join(f"'{w}'" for w in sorted(found))),
                code="password_known_words",
            )
