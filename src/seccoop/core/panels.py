"""Work panels on the home page, contributed by modules that ``accounts`` cannot import.

A module registers a function ``panel(request) -> Panel | None``; the home page shows every panel
that is not None, in registration order. Each function reads through the access policy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class PanelItem:
    label: str
    url: str
    count: int | None = None


@dataclass
class Panel:
    key: str
    title: str
    items: list[PanelItem] = field(default_factory=list)


PanelSource = Callable[[Any], Panel | None]
_sources: list[PanelSource] = []


def register_panel(source: PanelSource) -> None:
    if source not in _sources:
        _sources.append(source)


def panels_for(request: Any) -> list[Panel]:
    return [p for p in (source(request) for source in _sources) if p is not None]
