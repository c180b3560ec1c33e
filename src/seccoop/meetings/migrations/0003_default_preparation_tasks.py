"""The default Dialogue preparations checklist (administrators may change it)."""

from django.db import migrations

TASKS = [
    (
        90,
        "The host confirms the venue and dates",
        "El anfitrión confirma la sede y las fechas",
        "L'hôte confirme le lieu et les dates",
        "De gastheer bevestigt de locatie en de data",
    ),
    (
        60,
        "The Commission agrees the draft Dialogue agenda",
        "La Comisión acuerda el proyecto de orden del día del Diálogo",
        "La Commission arrête le projet d'ordre du jour du Dialogue",
        "De Commissie stelt de ontwerpagenda van de Dialoog vast",
    ),
    (
        45,
        "Focal points report indicator values and Plan of Action progress",
        "Los puntos focales informan los valores de los indicadores y el avance del Plan de Acción",
        "Les points focaux communiquent les valeurs des indicateurs et l'avancement du Plan d'action",
        "De contactpunten rapporteren indicatorwaarden en de voortgang van het Actieplan",
    ),
    (
        30,
        "The joint annual report draft is circulated to the parties",
        "Se distribuye a las partes el proyecto de informe anual conjunto",
        "Le projet de rapport annuel conjoint est diffusé aux parties",
        "Het ontwerp van het gezamenlijke jaarverslag wordt aan de partijen rondgestuurd",
    ),
    (
        21,
        "The Resource Mobilization Committee paper on unfunded measures",
        "El documento del Comité de Movilización de Recursos sobre las medidas sin financiación",
        "La note du Comité de mobilisation des ressources sur les mesures non financées",
        "De notitie van het Comité voor middelenmobilisatie over niet-gefinancierde maatregelen",
    ),
    (
        14,
        "Delegation lists are confirmed",
        "Se confirman las listas de delegaciones",
        "Les listes des délégations sont confirmées",
        "De delegatielijsten zijn bevestigd",
    ),
    (
        7,
        "The draft joint statement is circulated",
        "Se distribuye el proyecto de declaración conjunta",
        "Le projet de déclaration commune est diffusé",
        "De ontwerp-gezamenlijke verklaring wordt rondgestuurd",
    ),
]


def seed(apps, schema_editor):
    Template = apps.get_model("meetings", "PreparationTemplate")
    if Template.objects.exists():
        return
    for days, en, es, fr, nl in TASKS:
        Template.objects.create(
            title=en, title_en=en, title_es=es, title_fr=fr, title_nl=nl, days_before=days
        )


def unseed(apps, schema_editor):
    apps.get_model("meetings", "PreparationTemplate").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("meetings", "0002_working_groups_and_preparations")]

    operations = [migrations.RunPython(seed, unseed)]
