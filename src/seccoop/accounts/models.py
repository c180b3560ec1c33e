"""Users, memberships, API tokens, and the owner + marking mixin every shareable record uses."""

from __future__ import annotations

import hashlib
import secrets
import time
from base64 import b32encode
from binascii import unhexlify
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP
from django_otp.util import hex_validator, random_hex
from simple_history.models import HistoricalRecords

from seccoop.core.markings import TLP
from seccoop.core.models import BaseModel
from seccoop.core.querysets import RestrictedManager, RestrictedQuerySet
from seccoop.framework.models import Organisation

from .crypto import EncryptedTextField


class Role(models.TextChoices):
    SECRETARIAT = "secretariat", _("Secretariat officer")
    FOCAL_POINT = "focal_point", _("State focal point")
    TWG_MEMBER = "twg_member", _("TWG member")
    PARTNER_OFFICER = "partner_officer", _("Partner officer")
    WATCH_OFFICER = "watch_officer", _("Watch officer")
    VIEWER = "viewer", _("Viewer")


EDITING_ROLES = frozenset(r.value for r in Role if r != Role.VIEWER)


class RestrictedUserManager(UserManager.from_queryset(RestrictedQuerySet)):  # type: ignore[misc]  # dynamic base from from_queryset
    """Django's user manager, reading through the access policy like every other manager."""


class User(AbstractUser):
    """A person who signs in. What they may see and do comes from their memberships."""

    access = "user"

    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    #: A demo persona, with the published demo password: it signs in only in development mode.
    is_demo = models.BooleanField(
        _("demo persona"),
        default=False,
        help_text=_("Demo personas cannot sign in unless the platform is in development mode."),
    )
    history = HistoricalRecords(
        excluded_fields=["password", "last_login"],
        history_change_reason_field=models.TextField(null=True),
    )
    objects = RestrictedUserManager()

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def may_sign_in(self) -> bool:
        """Active, and not a demo persona outside development mode (every way in checks this)."""
        return self.is_active and (settings.DEMO_MODE or not self.is_demo)


class MembershipQuerySet(RestrictedQuerySet["Membership"]):
    def active(self, day: Any = None) -> MembershipQuerySet:
        day = day or timezone.localdate()
        return self.filter(
            models.Q(start__lte=day), models.Q(end__isnull=True) | models.Q(end__gte=day)
        )


class Membership(BaseModel):
    """A user's role in one party, body or partner organisation, for a dated period."""

    access = "membership"

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("party, body or organisation"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    start = models.DateField(_("from"), default=timezone.localdate)
    end = models.DateField(_("until"), null=True, blank=True)

    objects = RestrictedManager.from_queryset(MembershipQuerySet)()  # type: ignore[misc]  # dynamic manager class

    class Meta:
        ordering = ["user__username", "organisation__code", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role", "start"],
                name="membership_unique",
                violation_error_message=_("This membership already exists."),
            ),
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="membership_end_after_start",
                violation_error_message=_("A membership cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"


class MarkedModel(BaseModel):
    """Owner + TLP 2.0 marking. Every shareable domain record inherits this.

    * CLEAR: public. GREEN: every signed-in member.
    * AMBER: the owner and the organisations in ``releasable_to``.
    * AMBER+STRICT: the owner only. RED: the named ``recipients`` only.
    """

    access = "marked"
    default_tlp = TLP.AMBER_STRICT
    #: Roles (in the owner organisation) that may create, change and delete such records.
    editor_roles: frozenset[str] = EDITING_ROLES
    #: Organisation fields (one or several) whose members (with an editing role) may also change
    #: the record.
    co_owner_field: str | tuple[str, ...] | None = None

    owner = models.ForeignKey(
        Organisation, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    tlp = models.CharField(
        _("TLP marking"), max_length=16, choices=TLP.choices, default=TLP.AMBER_STRICT
    )
    releasable_to = models.ManyToManyField(
        Organisation, verbose_name=_("released to"), blank=True, related_name="+"
    )
    recipients = models.ManyToManyField(
        User, verbose_name=_("named recipients (TLP:RED)"), blank=True, related_name="+"
    )
    caveat = models.CharField(_("handling caveat"), max_length=120, blank=True)

    class Meta:
        abstract = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A new record made without a marking takes its type's default (from_db passes args).
        if not args and "tlp" not in kwargs:
            self.tlp = type(self).default_tlp


class Contact(MarkedModel):
    """A point of contact in the directory: who to call in a party, body or partner organisation
    (the Framework's focal points, liaison officers and secretariats)."""

    name = models.CharField(_("name"), max_length=150)
    position = models.CharField(_("position"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("telephone"), max_length=40, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["owner__code", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(tlp__in=[t.value for t in TLP]),
                name="contact_tlp_valid",
                violation_error_message=_("Unknown TLP marking."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


def hash_token(raw: str) -> str:
    """The SHA-256 of a secret token: what is stored instead of the token."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ApiToken(models.Model):
    """An API token. Only its SHA-256 is stored; the token itself is shown once, at creation."""

    access = "owned_by_user"

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @classmethod
    def issue(cls, user: User, *, name: str, scope: str, days: int) -> tuple[ApiToken, str]:
        prefix = secrets.token_hex(4)
        raw = f"scp_{prefix}_{secrets.token_urlsafe(32)}"
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=prefix,
            digest=hash_token(raw),
            scope=scope,
            expires_at=timezone.now() + timedelta(days=days),
        )
        return token, raw

    @classmethod
    def resolve(cls, raw: str) -> ApiToken | None:
        parts = raw.split("_", 2)
        if len(parts) < 3 or parts[0] != "scp":
            return None
        token = cls.objects.select_related("user").filter(prefix=parts[1]).first()
        if token is None or not secrets.compare_digest(token.digest, hash_token(raw)):
            return None
        if not token.is_active or not token.user.may_sign_in:
            return None
        return token


class SignInBackoff(models.Model):
    """Failed sign-ins for one user name from every address: the name-wide pause (see throttle)."""

    username = models.CharField(_("user name"), max_length=150, unique=True)
    failures = models.PositiveIntegerField(_("failures"), default=0)
    last_failure_at = models.DateTimeField(_("last failure"), db_index=True)

    class Meta:
        verbose_name = _("sign-in back-off")
        verbose_name_plural = _("sign-in back-offs")

    def __str__(self) -> str:
        return f"{self.username}: {self.failures}"


def default_totp_key() -> str:
    return random_hex(20)


def validate_totp_key(value: str) -> None:
    hex_validator()(value)


class TOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """A TOTP authenticator (RFC 6238), as django-otp's ``otp_totp`` device, with its secret key
    encrypted at rest (``SECCOOP_FIELD_KEY``): the database never holds the key in the clear."""

    key = EncryptedTextField(
        _("secret key"),
        default=default_totp_key,
        validators=[validate_totp_key],
        help_text=_("A hex-encoded secret key of up to 40 bytes, stored encrypted."),
    )
    step = models.PositiveSmallIntegerField(_("time step (seconds)"), default=30)
    t0 = models.BigIntegerField(_("start time (Unix)"), default=0)
    digits = models.PositiveSmallIntegerField(_("digits"), choices=[(6, 6), (8, 8)], default=6)
    tolerance = models.PositiveSmallIntegerField(_("tolerance (time steps)"), default=1)
    drift = models.SmallIntegerField(_("drift (time steps)"), default=0)
    last_t = models.BigIntegerField(_("last time step used"), default=-1)

    class Meta(Device.Meta):
        verbose_name = _("TOTP authenticator")
        verbose_name_plural = _("TOTP authenticators")

    @property
    def bin_key(self) -> bytes:
        return unhexlify(self.key.encode())

    def verify_token(self, token: Any) -> bool:
        """Verify a code once (codes at or before the last used time step are refused)."""
        allowed, _details = self.verify_is_allowed()
        if not allowed:
            return False
        try:
            code = int(token)
        except (TypeError, ValueError):
            verified = False
        else:
            totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
            totp.time = time.time()
            verified = totp.verify(code, self.tolerance, self.last_t + 1)
            if verified:
                self.last_t = totp.t()
                self.drift = totp.drift
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return verified

    def get_throttle_factor(self) -> int:
        return 1

    @property
    def config_url(self) -> str:
        """The ``otpauth://`` URL an authenticator app reads from the QR code."""
        issuer = settings.OTP_TOTP_ISSUER.replace(":", "")
        label = f"{issuer}:{self.user.get_username()}"
        params = urlencode(
            {
                "secret": b32encode(self.bin_key),
                "algorithm": "SHA1",
                "digits": self.digits,
                "period": self.step,
            }
        )
        return f"otpauth://totp/{quote(label)}?{params}&issuer={quote(issuer)}"
