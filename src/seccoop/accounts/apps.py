from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "seccoop.accounts"
    label = "accounts"
    verbose_name = _("Accounts and access")

    def ready(self) -> None:
        from seccoop.core.api import register_token_resolver

        from . import policy, signals  # noqa: F401  (signals connect on import)
        from .services import resolve_token

        policy.register()
        register_token_resolver(resolve_token)

        from seccoop.core.panels import register_panel

        from .home import audit_panel

        register_panel(audit_panel)

        from seccoop.core.demo import reference_loaders, register_demo
        from seccoop.framework.services import load_framework

        from .demo import load_personas

        register_demo(10, "framework", lambda ctx: load_framework())
        register_demo(
            12, "reference data", lambda ctx: [loader() for _name, loader in reference_loaders()]
        )
        register_demo(20, "personas", load_personas)
