from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanConfig(AppConfig):
    name = "seccoop.plan"
    label = "plan"
    verbose_name = _("Plan of Action")

    def ready(self) -> None:
        from seccoop.core.demo import register_demo, register_reference_loader

        from .demo import load_demo_plan
        from .services import seed_first_version

        register_reference_loader(50, "plan", seed_first_version)
        register_demo(40, "plan", load_demo_plan)
