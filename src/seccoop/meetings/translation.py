"""Per-language titles (en, es, fr, nl) for the default Dialogue preparation tasks."""

from modeltranslation.translator import TranslationOptions, register

from .models import PreparationTemplate


@register(PreparationTemplate)
class PreparationTemplateTranslation(TranslationOptions):
    fields = ("title",)
