from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "seccoop.meetings"
    label = "meetings"
    verbose_name = _("Meetings")

    def ready(self) -> None:
        from seccoop.core.demo import register_demo
        from seccoop.core.panels import register_panel

        from .demo import load_demo_meetings
        from .scheduling import cadence_panel
        from .services import home_panel

        register_demo(70, "meetings", load_demo_meetings)
        register_panel(home_panel)
        register_panel(cadence_panel)
