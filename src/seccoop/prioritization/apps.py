from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrioritizationConfig(AppConfig):
    name = "seccoop.prioritization"
    label = "prioritization"
    verbose_name = _("Prioritisation")

    def ready(self) -> None:
        from seccoop.core.demo import register_demo

        from .demo import load_demo_scores

        register_demo(50, "prioritisation", load_demo_scores)
