from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "seccoop.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        from seccoop.core.demo import register_demo, register_reference_loader
        from seccoop.core.panels import register_panel
        from seccoop.plan.services import register_progress_source

        from .demo import load_demo_monitoring
        from .reference import load_homicide_rates
        from .services import home_panel, measure_indicator_progress

        register_reference_loader(60, "monitoring", load_homicide_rates)
        register_demo(60, "monitoring", load_demo_monitoring)
        register_progress_source(measure_indicator_progress)
        register_panel(home_panel)
