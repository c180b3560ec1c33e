from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrioritizationConfig(AppConfig):
    name = "seccoop.prioritization"
    label = "prioritization"
    verbose_name = _("Prioritisation")

    def ready(self) -> None:
        from seccoop.core.demo import register_demo
        from seccoop.core.panels import register_panel

        from .demo import load_demo_scores
        from .panels import home_panel

        register_demo(50, "prioritisation", load_demo_scores)
        register_panel(home_panel)
