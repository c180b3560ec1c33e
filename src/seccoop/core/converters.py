"""Path converters registered once for every URLconf: ``<id:pk>`` is a record id in 1 … 2⁶³−1.

An id out of range (or not a number) matches no route, so it is a 404, never a database
overflow.
"""

from __future__ import annotations

from django.urls import register_converter

from .bounds import MAX_ID, MIN_ID


class IdConverter:
    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not MIN_ID <= number <= MAX_ID:
            raise ValueError(value)  # the resolver tries the next route, then answers 404
        return number

    def to_url(self, value: int | str) -> str:
        return str(int(value))


def register() -> None:
    register_converter(IdConverter, "id")
