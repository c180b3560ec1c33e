from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "seccoop.meetings"
    label = "meetings"
    verbose_name = _("Meetings")

    def ready(self) -> None:
        from seccoop.core.demo import register_demo
        from seccoop.core.panels import register_panel
        from seccoop.plan.services import AdoptionHook, register_adoption

        from .demo import load_demo_meetings
        from .scheduling import cadence_panel
        from .services import adopt_through_decision, held_dialogues, home_panel

        # Before the plan (40): the plan demo's versions are adopted by decisions of the Dialogues
        # this demo holds. It needs only the Framework and the personas.
        register_demo(35, "meetings", load_demo_meetings)
        register_panel(home_panel)
        register_panel(cadence_panel)
        # The plan's own adoption page and endpoint record a decision of a held Dialogue here.
        register_adoption(AdoptionHook(meetings=held_dialogues, adopt=adopt_through_decision))
