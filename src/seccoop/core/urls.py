"""Pages of ``core`` itself: the exchange rates import wizard (under ``/rates/``)."""

from . import views

app_name = "rates"

urlpatterns = [*views.RatesImportWizard.urls()]
