"""Per-language fields for the Plan of Action's measures."""

from modeltranslation.translator import TranslationOptions, register

from .models import Measure


@register(Measure)
class MeasureTranslation(TranslationOptions):
    fields = ("title", "description")
