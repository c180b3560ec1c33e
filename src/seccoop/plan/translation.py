"""Per-language fields for the Plan of Action's measures."""

from modeltranslation.translator import TranslationOptions, register

from .models import Measure, MeasureVersion


@register(Measure)
class MeasureTranslation(TranslationOptions):
    fields = ("title", "description")


@register(MeasureVersion)
class MeasureVersionTranslation(TranslationOptions):
    fields = ("title", "description")
