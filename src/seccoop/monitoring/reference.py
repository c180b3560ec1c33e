"""Real data shipped with the platform: intentional homicide rates per 100,000, 2010–2023.

Source: World Bank World Development Indicators, series VC.IHR.PSRC.P5 (from UNODC and WHO),
snapshot retrieved 2025-10-07. The rows are loaded as approved, TLP:CLEAR values of the indicator
``HOM-RATE`` in category II.a, each with its source as evidence; the baseline of each state is its
first year in the series. Gaps are gaps in the source, not in the loading. Loading is idempotent.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from seccoop.accounts.services import command_actor
from seccoop.core.markings import TLP
from seccoop.core.models import mark_history
from seccoop.framework.models import Category, Organisation, Party

from .models import Baseline, Indicator, Value
from .periods import Kind, Period

DATA = Path(__file__).with_name("data") / "homicide_rate_per100k_2010_2023.csv"
CODE = "HOM-RATE"
SOURCE = (
    "World Bank WDI, VC.IHR.PSRC.P5 (source: UNODC/WHO), snapshot retrieved 2025-10-07; "
    "2023 values for Dominica, St Kitts and Nevis and St Vincent and the Grenadines are provisional"
)
SOURCE_URL = "https://data.worldbank.org/indicator/VC.IHR.PSRC.P5"
NAMES = {
    "en": (
        "Intentional homicides per 100,000 people",
        "Unlawful deaths purposefully inflicted on a person by another person, per 100,000 "
        "population, as reported by UNODC (from national criminal justice or public health data).",
    ),
    "es": (
        "Homicidios intencionales por cada 100.000 habitantes",
        "Muertes ilícitas infligidas deliberadamente a una persona por otra, por cada 100.000 "
        "habitantes, según UNODC (datos nacionales de justicia penal o de salud pública).",
    ),
    "fr": (
        "Homicides volontaires pour 100 000 habitants",
        "Décès illicites infligés intentionnellement à une personne par une autre, pour 100 000 "
        "habitants, selon l'ONUDC (données nationales de justice pénale ou de santé publique).",
    ),
    "nl": (
        "Opzettelijke doodslag per 100.000 inwoners",
        "Onrechtmatige sterfgevallen die een persoon opzettelijk door een ander zijn toegebracht, "
        "per 100.000 inwoners, volgens UNODC (nationale strafrechtelijke of gezondheidsgegevens).",
    ),
}


def read_rows() -> list[dict[str, str]]:
    with DATA.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_homicide_rates() -> dict[str, int]:
    """Create or refresh the indicator, its approved values and baselines (idempotent)."""
    category = Category.objects.filter(code="II.a").first()
    commission = Organisation.objects.filter(code="COMMISSION").first()
    if category is None or commission is None:
        return {"values": 0}
    actor = command_actor(None)
    translated = {
        f"{field}_{lang}": texts[i]
        for lang, texts in NAMES.items()
        for i, field in enumerate(("name", "definition"))
    }
    created_count = 0
    with transaction.atomic():
        indicator, _created = Indicator.objects.update_or_create(
            code=CODE,
            defaults={
                "owner": commission,
                "tlp": TLP.CLEAR,
                "name": NAMES["en"][0],
                "definition": NAMES["en"][1],
                **translated,
                "unit": "per 100,000 people",
                "measure_type": Indicator.MeasureType.UNIT,
                "direction": Indicator.Direction.DECREASE,
                "aggregation": Indicator.Aggregation.MEDIAN,
                "period_type": Indicator.PeriodType.ANNUAL,
                "means_of_verification": "UNODC Global Study on Homicide; World Bank WDI",
                "level": Indicator.Level.IMPACT,
                "category": category,
                "decimals": 1,
                "source": SOURCE,
                "source_url": SOURCE_URL,
                "is_demo": False,
            },
        )
        states = {p.iso3: p for p in Party.objects.select_related("organisation")}
        existing = {
            (v.state_id, v.period): v
            for v in Value.objects.filter(indicator=indicator, disaggregation="")
        }
        first: dict[str, tuple[int, Decimal]] = {}
        now = timezone.now()
        for row in read_rows():
            state = states.get(row["iso3"])
            if state is None:
                continue
            year, number = int(row["year"]), Decimal(row["intentional_homicides_per_100k"])
            if row["iso3"] not in first or year < first[row["iso3"]][0]:
                first[row["iso3"]] = (year, number)
            period = Period(Kind.YEAR, year)
            current = existing.get((state.pk, str(period)))
            if (
                current is not None
                and current.value == number
                and current.status == Value.Status.APPROVED
            ):
                continue
            value = current or Value(indicator=indicator, state=state, disaggregation="")
            value.set_period(period)
            value.owner_id = state.organisation_id
            value.tlp = TLP.CLEAR
            value.value = number
            value.quality = Value.Quality.B
            value.evidence = f"{row['indicator']}: {row['source']}"
            value.status = Value.Status.APPROVED
            value.submitted_at = value.approved_at = now
            value.approved_by = actor
            if current is not None:
                value.version += 1
            mark_history(value, reason="Loaded from the World Bank WDI reference file", user=actor)
            value.save()
            created_count += 1
        for iso3, (year, number) in first.items():
            state = states[iso3]
            baseline = Baseline.objects.filter(indicator=indicator, state=state).first()
            if baseline is not None:
                continue
            baseline = Baseline(
                indicator=indicator,
                state=state,
                value=number,
                owner_id=state.organisation_id,
                steward=commission,
                tlp=TLP.CLEAR,
                note=f"First year in the source ({year})",
            )
            baseline.set_period(Period(Kind.YEAR, year))
            mark_history(
                baseline, reason="Baseline from the first year in the reference file", user=actor
            )
            baseline.save()
    return {"values": created_count}
