"""The demo-data registry: each app registers a provider; ``seccoop demo`` runs them in layer order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DemoContext:
    size: str
    seed: int
    password: str
    log: Callable[[str], None]


Provider = Callable[[DemoContext], Any]
_providers: list[tuple[int, str, Provider]] = []


def register_demo(order: int, name: str, provider: Provider) -> None:
    """Register ``provider`` to run at position ``order`` (lower first: framework, accounts, …)."""
    if any(n == name for _o, n, _p in _providers):
        return
    _providers.append((order, name, provider))


def providers() -> list[tuple[str, Provider]]:
    return [(n, p) for _o, n, p in sorted(_providers, key=lambda t: (t[0], t[1]))]


#: Reference data that higher apps add after the Framework (run by ``seccoop load-framework``).
_reference_loaders: list[tuple[int, str, Callable[[], Any]]] = []


def register_reference_loader(order: int, name: str, loader: Callable[[], Any]) -> None:
    if any(n == name for _o, n, _l in _reference_loaders):
        return
    _reference_loaders.append((order, name, loader))


def reference_loaders() -> list[tuple[str, Callable[[], Any]]]:
    return [(n, loader) for _o, n, loader in sorted(_reference_loaders, key=lambda t: (t[0], t[1]))]
