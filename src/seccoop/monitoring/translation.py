"""Per-language fields for indicator definitions."""

from modeltranslation.translator import TranslationOptions, register

from .models import Indicator


@register(Indicator)
class IndicatorTranslation(TranslationOptions):
    fields = ("name", "definition")
