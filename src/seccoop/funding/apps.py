from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "seccoop.funding"
    label = "funding"
    verbose_name = _("Resource mobilisation")

    def ready(self) -> None:
        from seccoop.core.demo import register_demo

        from .demo import load_demo_funding

        register_demo(65, "funding", load_demo_funding)
