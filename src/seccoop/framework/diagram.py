"""The Framework's structure drawn as an accessible SVG: the three bodies joined as the 2010
document's diagram joins them (Dialogue, Commission, Ad Hoc Technical Working Groups), the
Resource Mobilization Committee beside them, the eight reporting authorities and the three levels
of engagement. No line is drawn that the document does not give: it names the reporting
authorities but not to whom each reports, and it does not link the Committee to a body."""

from __future__ import annotations

from html import escape
from typing import Any

from django.utils.translation import gettext as _

from .models import Body, EngagementLevel, ReportingAuthority

W = 960


def _box(x: int, y: int, w: int, h: int, title: str, subtitle: str, css: str, ident: str) -> str:
    lines = [
        f'<g class="node {css}" id="{ident}">',
        f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="8"/>',
        f'<text x="{x + w // 2}" y="{y + 24}" text-anchor="middle" class="title">{escape(title)}</text>',
    ]
    if subtitle:
        lines.append(
            f'<text x="{x + w // 2}" y="{y + 44}" text-anchor="middle" class="sub">{escape(subtitle)}</text>'
        )
    lines.append("</g>")
    return "".join(lines)


def _link(x1: int, y1: int, x2: int, y2: int, css: str = "line") -> str:
    """A plain connector, as in the document's diagram (which gives no direction)."""
    return f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" class="{css}"/>'


def framework_svg(user: Any) -> str:
    bodies = {
        b.organisation.code: b
        for b in Body.objects.restrict(user, "view").select_related("organisation")
    }
    levels = list(
        EngagementLevel.objects.restrict(user, "view").prefetch_related("authorities__organisation")
    )
    authorities = list(
        ReportingAuthority.objects.restrict(user, "view").select_related("organisation")
    )
    reporting_label = _("Reporting authorities")
    levels_label = _("Levels of engagement")
    parts: list[str] = []
    y = 20
    # The three bodies of the Framework's diagram, top to bottom, and the Committee beside them.
    order = [("DIALOGUE", "dialogue"), ("COMMISSION", "commission"), ("TWG", "twg")]
    centers: dict[str, tuple[int, int]] = {}
    for code, css in order:
        body = bodies.get(code)
        if body is None:
            continue
        parts.append(
            _box(
                200,
                y,
                560,
                60,
                str(body.organisation.short_name or body.organisation.name),
                str(body.cadence)[:90],
                css,
                f"body-{code.lower()}",
            )
        )
        centers[code] = (480, y)
        y += 100
    crmc = bodies.get("CRMC")
    if crmc is not None:
        parts.append(
            _box(
                775,
                120,
                175,
                60,
                str(crmc.organisation.short_name or crmc.organisation.name),
                _("supports planning"),
                "committee",
                "body-crmc",
            )
        )
    if "DIALOGUE" in centers and "COMMISSION" in centers:
        parts.append(_link(480, centers["COMMISSION"][1], 480, centers["DIALOGUE"][1] + 60))
    if "COMMISSION" in centers and "TWG" in centers:
        parts.append(_link(480, centers["TWG"][1], 480, centers["COMMISSION"][1] + 60))
    # The reporting authorities of section III.C(b), in the document's order, without lines: the
    # document does not say to whom each reports.
    ry = y + 20
    parts.append(f'<text x="20" y="{ry}" class="heading">{escape(reporting_label)}</text>')
    ry += 12
    col_w = 228
    for i, ra in enumerate(authorities):
        col, row = i % 4, i // 4
        x, yy = 20 + col * (col_w + 8), ry + row * 70
        parts.append(
            _box(
                x,
                yy,
                col_w,
                52,
                f"({ra.number}) {ra.organisation.short_name or ra.organisation.name}"[:34],
                "",
                "authority",
                f"authority-{ra.number}",
            )
        )
    ly = ry + 160
    parts.append(f'<text x="20" y="{ly}" class="heading">{escape(levels_label)}</text>')
    ly += 12
    for i, level in enumerate(levels):
        x = 20 + i * 312
        names = [
            str(a.label or a.organisation.short_name or a.organisation.name)
            for a in level.authorities.all()
        ]
        parts.append(
            f'<g class="node level" id="level-{level.code}"><rect x="{x}" y="{ly}" width="300" height="{40 + 18 * len(names)}" rx="8"/>'
        )
        parts.append(
            f'<text x="{x + 12}" y="{ly + 24}" class="title">{escape(str(level.name))}</text>'
        )
        for j, name in enumerate(names):
            parts.append(
                f'<text x="{x + 16}" y="{ly + 46 + 18 * j}" class="sub">• {escape(name[:40])}</text>'
            )
        parts.append("</g>")
    height = ly + 40 + 18 * max((len(level.authorities.all()) for level in levels), default=0) + 20
    title = escape(
        _(
            "Structure of the Joint Caribbean-United States Framework for Security Cooperation Engagement"
        )
    )
    desc = escape(
        _(
            "The annual Dialogue, the Commission that meets twice a year to prepare it, the ad hoc "
            "Technical Working Groups, the Resource Mobilization Committee, the eight reporting "
            "authorities and the three levels of engagement."
        )
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height}" role="img" '
        f'aria-labelledby="fw-title fw-desc" class="framework-diagram">'
        f'<title id="fw-title">{title}</title><desc id="fw-desc">{desc}</desc>'
        + "".join(parts)
        + "</svg>"
    )
