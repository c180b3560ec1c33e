"""Every package the platform runs on carries a licence compatible with the Apache License 2.0.

The runtime dependencies (the ``seccoop`` distribution's requirements without extras, plus the
``postgres`` extra, followed recursively) are read from the installed metadata. A package whose
licence cannot be read, or is a strong copyleft licence (GPL, AGPL, SSPL, EUPL, OSL), fails the
test: a new dependency is then either replaced or recorded below with the reason it is compatible.
"""

from __future__ import annotations

import importlib.metadata as md
import re
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]

#: Permissive or weak-copyleft licences that Apache-2.0 code may depend on (SPDX identifiers).
COMPATIBLE = {
    "0BSD",
    "Apache-2.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "CC0-1.0",
    "ISC",
    "LGPL-3.0-only",
    "LGPL-3.0-or-later",
    "MIT",
    "MIT-0",
    "MPL-2.0",
    "PSF-2.0",
    "Unlicense",
    "Zlib",
}

#: Free-text ``License`` fields and trove classifiers, mapped to SPDX identifiers.
ALIASES = {
    "BSD": "BSD-3-Clause",
    "BSD License": "BSD-3-Clause",
    "MIT License": "MIT",
    "PSFL": "PSF-2.0",
    "Python Software Foundation License": "PSF-2.0",
    "Apache Software License": "Apache-2.0",
    "The Unlicense (Unlicense)": "Unlicense",
    "GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "ISC License (ISCL)": "ISC",
}

STRONG_COPYLEFT = re.compile(r"\b(A?GPL|SSPL|EUPL|OSL)\b|General Public License(?! v3 \(LGPL)")


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_distributions() -> dict[str, md.Distribution]:
    found: dict[str, md.Distribution] = {}
    root = md.distribution("seccoop")
    pending = [
        Requirement(r)
        for r in root.requires or []
        if not Requirement(r).marker or Requirement(r).marker.evaluate({"extra": "postgres"})
    ]
    while pending:
        requirement = pending.pop()
        key = _key(requirement.name)
        if key in found:
            continue
        try:
            dist = md.distribution(requirement.name)
        except md.PackageNotFoundError:
            continue  # an optional platform-specific requirement that is not installed here
        found[key] = dist
        for raw in dist.requires or []:
            child = Requirement(raw)
            wanted = set(requirement.extras) | {""}
            if child.marker and not any(child.marker.evaluate({"extra": e}) for e in wanted):
                continue
            pending.append(child)
    return found


def licences_of(dist: md.Distribution) -> set[str]:
    meta = dist.metadata
    expression = meta.get("License-Expression") or ""
    if expression:
        return {part.strip("() ") for part in re.split(r"\s+(?:AND|OR|WITH)\s+", expression)}
    names: set[str] = set()
    free_text = (meta.get("License") or "").strip()
    if free_text and "\n" not in free_text and len(free_text) < 60:
        names.add(ALIASES.get(free_text, free_text))
    for classifier in meta.get_all("Classifier") or []:
        if classifier.startswith("License :: OSI Approved :: "):
            label = classifier.removeprefix("License :: OSI Approved :: ")
            names.add(ALIASES.get(label, label))
    return names


def compatible(names: set[str]) -> bool:
    """True when every licence named is compatible (a dual licence lists one of its options)."""
    if not names:
        return False
    if any(STRONG_COPYLEFT.search(n) and not n.startswith("LGPL") for n in names):
        return False
    return all(n in COMPATIBLE for n in names)


def test_the_project_is_apache_2_with_a_notice() -> None:
    assert "Apache License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    notice = (ROOT / "NOTICE").read_text(encoding="utf-8")
    for source in ("VC.IHR.PSRC.P5", "PA.NUS.FCRF", "142442", "CC BY 4.0"):
        assert source in notice
    assert 'license = "Apache-2.0"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_every_runtime_dependency_has_a_compatible_licence() -> None:
    distributions = runtime_distributions()
    assert {"django", "django-ninja", "numpy", "typst"} <= set(distributions)
    problems = []
    for key, dist in sorted(distributions.items()):
        if key == "seccoop":
            continue
        names = licences_of(dist)
        if not names:
            problems.append(f"{key}: no licence in its metadata")
            continue
        if not compatible(names):
            problems.append(f"{key}: {sorted(names)}")
    assert problems == [], problems


def test_the_rule_refuses_strong_copyleft_and_unknown_licences() -> None:
    assert compatible({"MIT"})
    assert compatible({"BSD-3-Clause", "0BSD", "Zlib"})
    assert compatible({"LGPL-3.0-only"})
    assert not compatible({"GPL-3.0-only"})
    assert not compatible({"AGPL-3.0-or-later"})
    assert not compatible({"MIT", "GPL-2.0-or-later"})
    assert not compatible({"Proprietary"})
    assert not compatible(set())
