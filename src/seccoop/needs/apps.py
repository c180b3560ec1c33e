from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    name = "seccoop.needs"
    label = "needs"
    verbose_name = _("Needs Assessment Matrix")

    def ready(self) -> None:
        from seccoop.core.demo import register_demo
        from seccoop.core.panels import register_panel

        from .demo import load_demo_needs
        from .panels import home_panel

        register_demo(30, "needs", load_demo_needs)
        register_panel(home_panel)
