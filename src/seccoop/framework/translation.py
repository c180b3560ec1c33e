"""Per-language fields (en, es, fr, nl) for the Framework's text, with fallback to English."""

from modeltranslation.translator import TranslationOptions, register

from .models import (
    Body,
    Category,
    Criterion,
    EngagementLevel,
    Instrument,
    LevelAuthority,
    Mechanism,
    Organisation,
    ReportingAuthority,
    Responsibility,
    StrategicPriority,
)


@register(Organisation)
class OrganisationTranslation(TranslationOptions):
    fields = ("name", "short_name", "description")


@register(Body)
class BodyTranslation(TranslationOptions):
    fields = ("cadence", "mandate")


@register(Responsibility)
class ResponsibilityTranslation(TranslationOptions):
    fields = ("title",)


@register(StrategicPriority)
class StrategicPriorityTranslation(TranslationOptions):
    fields = ("title",)


@register(Category)
class CategoryTranslation(TranslationOptions):
    fields = ("name", "objective")


@register(Criterion)
class CriterionTranslation(TranslationOptions):
    fields = ("short_name", "title")


@register(EngagementLevel)
class EngagementLevelTranslation(TranslationOptions):
    fields = ("name", "description")


@register(LevelAuthority)
class LevelAuthorityTranslation(TranslationOptions):
    fields = ("label",)


@register(ReportingAuthority)
class ReportingAuthorityTranslation(TranslationOptions):
    fields = ("role",)


@register(Mechanism)
class MechanismTranslation(TranslationOptions):
    fields = ("title", "text")


@register(Instrument)
class InstrumentTranslation(TranslationOptions):
    fields = ("title", "description")
