"""What importers share about the Framework: the State column.

A row names its State party by ISO alpha-3 code, among the parties the user may see; a State whose
organisation the user may not write for (``Importer.allowed``) is refused in that cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy

from seccoop.core.importing import CellError, Importer, Lookup

from .models import Party

UNKNOWN_STATE = gettext_lazy("Unknown state '{value}'. Use an ISO alpha-3 code such as JAM or BRB.")


@dataclass(frozen=True)
class StateColumn(Lookup):
    """The State party (``importer.lookups["state"]``, filled by :func:`states`); ``not_yours``
    (with ``{state}``) when the user may not write for its organisation."""

    not_yours: Any = ""

    def parse(self, text: str, importer: Importer) -> Any:
        party = super().parse(text, importer)
        if importer.allowed is not None and party.organisation_id not in importer.allowed:
            raise CellError(str(self.not_yours).format(state=party.iso3))
        return party


def state_column(not_yours: Any) -> StateColumn:
    return StateColumn(
        "state", "State (ISO alpha-3)", required=True, unknown=UNKNOWN_STATE, not_yours=not_yours
    )


def states(user: Any) -> dict[str, Party]:
    """ISO alpha-3 -> the parties ``user`` may see."""
    parties = Party.objects.restrict(user, "view").select_related("organisation")
    return {p.iso3: p for p in parties}
