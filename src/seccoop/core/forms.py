"""Form machinery shared by every module."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from . import bounds


def https_urls(field: Any, **kwargs: Any) -> Any:
    """Model form fields as Django makes them, with URLs typed without a scheme read as https."""
    from django.db import models

    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


def bound_field(name: str, field: forms.Field) -> None:
    """Give one form field the platform's bounds: one-line texts are labels (no control or
    direction-override character), multi-line texts keep line breaks only, dates run from
    1990-01-01 to ten years ahead, years 1990–2100, and a record chosen by id is a 1 … 2⁶³−1."""
    if isinstance(field, forms.ModelMultipleChoiceField):
        clean = field.clean

        def clean_many(value: Any, _clean: Any = clean, _field: Any = field) -> Any:
            if isinstance(value, list | tuple):
                value = [bounds.bounded_choice_value(_field, v) for v in value]
            return _clean(value)

        field.clean = clean_many  # type: ignore[method-assign]  # this form's copy of the field only
    elif isinstance(field, forms.ModelChoiceField):
        to_python = field.to_python

        def to_python_bounded(value: Any, _to_python: Any = to_python, _field: Any = field) -> Any:
            return _to_python(bounds.bounded_choice_value(_field, value))

        field.to_python = to_python_bounded  # type: ignore[method-assign]  # this form's copy only
    elif isinstance(field, forms.CharField) and not isinstance(field.widget, forms.PasswordInput):
        multi_line = isinstance(field.widget, forms.Textarea)
        field.validators.append(bounds.validate_text if multi_line else bounds.validate_label)
    elif isinstance(field, forms.DateField | forms.DateTimeField):
        field.validators.append(_date_of(bounds.validate_date))
    elif isinstance(field, forms.IntegerField):
        if name.endswith("year"):
            field.validators.append(bounds.validate_year)
        elif field.max_value is None:
            field.validators.append(MaxValueValidator(bounds.MAX_ID))


def _date_of(validator: Any) -> Any:
    def validate(value: Any) -> None:
        validator(value.date() if hasattr(value, "date") else value)

    return validate


class BoundedFormMixin:
    """Every field of the form gets :func:`bound_field`'s bounds."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            bound_field(name, field)


class BoundedForm(BoundedFormMixin, forms.Form):
    """A plain form with the platform's bounds on every field."""


class VersionedModelForm(BoundedFormMixin, forms.ModelForm):
    """A model form that carries the record's version (so a stale submission is caught), an
    optional reason for the change (kept in the history), and the user whose scope restricts
    its dropdowns."""

    form_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    change_reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=250,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["form_version"].initial = self.instance.version
        else:
            del self.fields["form_version"]
