"""The password backend: Django's, refusing demo personas outside development mode."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend


class AccountBackend(ModelBackend):
    """Django's ``ModelBackend``; a user who may not sign in (inactive, or a demo persona in
    production mode) is refused at the password step and their existing sessions end."""

    def user_can_authenticate(self, user: Any) -> bool:
        return bool(getattr(user, "may_sign_in", False))
