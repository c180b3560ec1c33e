"""The Framework's reference data, as the 2010 document sets it out.

Organisations (parties, bodies, partner organisations, authorities) share one table so that a
record's owner, a user's membership and a release list can each point at any of them. Everything
here is public (TLP:CLEAR) reference data, loaded by ``seccoop load-framework`` and editable by
administrators.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seccoop.core.markings import TLP
from seccoop.core.models import BaseModel

from .iati_identifiers import validate_iati_identifier


class ReferenceModel(BaseModel):
    """Public reference data: anyone may read it, administrators change it."""

    access = "reference"
    default_marking = TLP.CLEAR

    class Meta:
        abstract = True


class PlatformReading(models.Model):
    """A record some of whose fields are the platform's reading of the 2010 document rather than
    what the document states (a required flag it marks only by bold type, a link between a
    mechanism and categories, a cadence it does not give). ``platform_reading`` lists those
    fields, comma-separated; the pages mark them "platform's reading"."""

    platform_reading = models.CharField(
        _("the platform's reading (fields)"),
        max_length=200,
        blank=True,
        help_text=_("Fields whose value the platform infers; the 2010 document does not state it."),
    )

    class Meta:
        abstract = True

    @property
    def reading_fields(self) -> list[str]:
        return [f.strip() for f in self.platform_reading.split(",") if f.strip()]


class Side(models.TextChoices):
    CARIBBEAN = "caribbean", _("Caribbean")
    UNITED_STATES = "us", _("United States")
    JOINT = "joint", _("Joint Caribbean-United States")
    INTERNATIONAL = "international", _("International")


class Organisation(ReferenceModel):
    """A party, a body, a partner organisation or an authority: anything that can own a record,
    hold members or receive a release."""

    class Kind(models.TextChoices):
        PARTY = "party", _("Party")
        BODY = "body", _("Framework body")
        PARTNER = "partner", _("Partner organisation")
        AUTHORITY = "authority", _("Authority")
        NGO = "ngo", _("Non-governmental organisation")

    code = models.CharField(_("code"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    side = models.CharField(_("side"), max_length=16, choices=Side.choices, default=Side.JOINT)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)
    iati_identifier = models.CharField(
        _("IATI organisation identifier"),
        max_length=60,
        blank=True,
        validators=[validate_iati_identifier],
        help_text=_(
            "The registration agency's code and the identifier in its list, as the organisation "
            "publishes it to IATI (e.g. GB-GOV-1, XM-DAC-41128)."
        ),
    )
    iati_type = models.CharField(_("IATI organisation type"), max_length=4, blank=True)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.short_name or self.name


class Party(ReferenceModel):
    """One of the 17 parties: the 16 Caribbean States (CARICOM and the Dominican Republic) and the
    United States."""

    organisation = models.OneToOneField(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="party"
    )
    iso2 = models.CharField(_("ISO 3166 alpha-2"), max_length=2, unique=True)
    iso3 = models.CharField(_("ISO 3166 alpha-3"), max_length=3, unique=True)
    iso_numeric = models.CharField(_("ISO 3166 numeric"), max_length=3)
    languages = models.CharField(
        _("official languages"), max_length=100, help_text=_("BCP 47 codes, comma-separated")
    )
    currencies = models.CharField(
        _("currencies"), max_length=30, help_text=_("ISO 4217 codes, comma-separated")
    )
    caricom_status = models.CharField(_("CARICOM status"), max_length=40, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=60, default="America/Port_of_Spain")
    population = models.PositiveBigIntegerField(_("population"), null=True, blank=True)

    class Meta:
        ordering = ["organisation__name"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")

    def __str__(self) -> str:
        return self.organisation.name

    @property
    def side(self) -> str:
        return self.organisation.side

    def is_member_on(self, day: object = None) -> bool:
        day = day or timezone.localdate()
        return self.participations.filter(
            models.Q(start__lte=day), models.Q(end__isnull=True) | models.Q(end__gte=day)
        ).exists()


class Participation(ReferenceModel):
    """A dated period in which a party takes part in the Framework."""

    party = models.ForeignKey(
        Party, verbose_name=_("party"), on_delete=models.CASCADE, related_name="participations"
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["party", "start"]
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="participation_end_after_start",
                violation_error_message=_("A participation cannot end before it starts."),
            ),
            models.UniqueConstraint(fields=["party", "start"], name="participation_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.party} {self.start:%Y-%m-%d}–{self.end or ''}"


class Body(PlatformReading, ReferenceModel):
    """A body of the Framework, with its cadence rules as data."""

    class BodyType(models.TextChoices):
        DIALOGUE = "dialogue", _("High-Level Dialogue")
        COMMISSION = "commission", _("Commission")
        TWG = "twg", _("Technical Working Group")
        COMMITTEE = "committee", _("Committee")

    class VenueRule(models.TextChoices):
        NONE = "none", _("No rule")
        ALTERNATE = (
            "alternate",
            _("Alternates annually between the Caribbean and the United States"),
        )

    organisation = models.OneToOneField(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="body"
    )
    body_type = models.CharField(_("type"), max_length=16, choices=BodyType.choices)
    meetings_per_year = models.PositiveSmallIntegerField(
        _("meetings a year (minimum)"),
        null=True,
        blank=True,
        help_text=_("Empty for bodies that meet as needed."),
    )
    venue_rule = models.CharField(
        _("venue rule"), max_length=16, choices=VenueRule.choices, default=VenueRule.NONE
    )
    cadence = models.CharField(_("cadence"), max_length=200)
    mandate = models.TextField(_("mandate"), blank=True)
    may_include_partners = models.BooleanField(
        _("may include international partners"), default=False
    )
    may_include_ngos = models.BooleanField(
        _("may include non-governmental stakeholders"), default=False
    )
    source = models.CharField(_("source in the Framework"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("established under"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="groups",
        help_text=_("A Technical Working Group is one of the ad hoc Technical Working Groups."),
    )
    categories = models.ManyToManyField(
        "Category", verbose_name=_("categories of engagement"), blank=True, related_name="bodies"
    )
    established = models.DateField(_("established"), null=True, blank=True)
    sunset = models.DateField(
        _("sunset date"),
        null=True,
        blank=True,
        help_text=_("An ad hoc Technical Working Group ends on this date unless renewed."),
    )

    class Meta:
        ordering = ["organisation__code"]
        verbose_name = _("body")
        verbose_name_plural = _("bodies")

    def __str__(self) -> str:
        return self.organisation.name


class Responsibility(ReferenceModel):
    """One of a body's numbered responsibilities (the Commission has four)."""

    body = models.ForeignKey(
        Body, verbose_name=_("body"), on_delete=models.CASCADE, related_name="responsibilities"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)

    class Meta:
        ordering = ["body", "number"]
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        constraints = [
            models.UniqueConstraint(fields=["body", "number"], name="responsibility_unique")
        ]

    def __str__(self) -> str:
        return f"({self.number}) {self.title}"


class StrategicPriority(ReferenceModel):
    """One of the three strategic priorities of section IV."""

    code = models.CharField(_("code"), max_length=4, unique=True)
    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    title = models.CharField(_("title"), max_length=200)

    class Meta:
        ordering = ["number"]
        verbose_name = _("strategic priority")
        verbose_name_plural = _("strategic priorities")

    def __str__(self) -> str:
        return f"{self.code}. {self.title}"


class Category(ReferenceModel):
    """One of the twelve categories of engagement, coded I.a–III.c, with its objective."""

    code = models.CharField(_("code"), max_length=6, unique=True)
    priority = models.ForeignKey(
        StrategicPriority,
        verbose_name=_("strategic priority"),
        on_delete=models.PROTECT,
        related_name="categories",
    )
    letter = models.CharField(_("letter"), max_length=1)
    name = models.CharField(_("name"), max_length=100)
    objective = models.TextField(_("objective"))

    class Meta:
        ordering = ["priority__number", "letter"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(fields=["priority", "letter"], name="category_unique_letter"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Criterion(ReferenceModel):
    """One of the three prioritisation criteria of section V."""

    code = models.CharField(_("code"), max_length=1, unique=True)
    short_name = models.CharField(_("short name"), max_length=60)
    title = models.CharField(_("title"), max_length=200)

    class Meta:
        ordering = ["code"]
        verbose_name = _("prioritisation criterion")
        verbose_name_plural = _("prioritisation criteria")

    def __str__(self) -> str:
        return f"{self.code}. {self.short_name}"


class EngagementLevel(ReferenceModel):
    """The political, diplomatic and technical levels of engagement of section VI."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), unique=True)
    name = models.CharField(_("name"), max_length=60)
    description = models.TextField(_("description"))

    class Meta:
        ordering = ["order"]
        verbose_name = _("level of engagement")
        verbose_name_plural = _("levels of engagement")

    def __str__(self) -> str:
        return self.name


class LevelAuthority(PlatformReading, ReferenceModel):
    """An authority that discharges a level of engagement for one side. ``label`` is the 2010
    document's own wording at this place when it differs from the organisation's name (the
    political level lists "Other U.S. Government Agencies", the technical level "U.S. Government
    Agencies")."""

    level = models.ForeignKey(
        EngagementLevel,
        verbose_name=_("level"),
        on_delete=models.CASCADE,
        related_name="authorities",
    )
    side = models.CharField(_("side"), max_length=16, choices=Side.choices)
    number = models.PositiveSmallIntegerField(_("number"))
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("authority"),
        on_delete=models.PROTECT,
        related_name="level_roles",
    )
    required = models.BooleanField(
        _("required (new)"),
        default=False,
        help_text=_("The Framework marks it as required rather than existing."),
    )
    label = models.CharField(
        _("wording in the Framework"),
        max_length=200,
        blank=True,
        help_text=_("The document's wording at this place, when it differs from the name."),
    )

    class Meta:
        ordering = ["level__order", "side", "number"]
        verbose_name = _("authority for a level")
        verbose_name_plural = _("authorities for levels")
        constraints = [
            models.UniqueConstraint(
                fields=["level", "side", "number"], name="levelauthority_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level} · {self.organisation}"

    @property
    def display_name(self) -> str:
        return self.label or self.organisation.name


class ReportingAuthority(ReferenceModel):
    """One of the eight authorities given reporting roles in section III.C(b)."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("authority"),
        on_delete=models.PROTECT,
        related_name="reporting_roles",
    )
    reports_to = models.ForeignKey(
        Organisation,
        verbose_name=_("reports to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reporting_authorities",
    )
    role = models.CharField(_("reporting role"), max_length=250, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("reporting authority")
        verbose_name_plural = _("reporting authorities")

    def __str__(self) -> str:
        return f"({self.number}) {self.organisation}"


class Mechanism(PlatformReading, ReferenceModel):
    """One of the six new mechanisms for engagement of section III.A."""

    number = models.PositiveSmallIntegerField(
        _("number"), unique=True, validators=[MinValueValidator(1), MaxValueValidator(6)]
    )
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    category_codes = models.CharField(_("related categories"), max_length=60, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("mechanism")
        verbose_name_plural = _("mechanisms")

    def __str__(self) -> str:
        return f"({self.number}) {self.title}"


class Instrument(ReferenceModel):
    """One of the three instruments of section III.A."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    letter = models.CharField(_("letter"), max_length=1)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["letter"]
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")

    def __str__(self) -> str:
        return self.title
