"""The versioned JSON API: one router per app, mounted under /api/v1/."""

from seccoop.accounts.api import router as accounts_router
from seccoop.core.api import build_api
from seccoop.framework.api import router as framework_router
from seccoop.funding.api import router as funding_router
from seccoop.meetings.api import router as meetings_router
from seccoop.monitoring.api import router as monitoring_router
from seccoop.needs.api import router as needs_router
from seccoop.plan.api import router as plan_router
from seccoop.prioritization.api import router as prioritization_router

api = build_api()
api.add_router("/framework", framework_router)
api.add_router("/accounts", accounts_router)
api.add_router("/needs", needs_router)
api.add_router("/plan", plan_router)
api.add_router("/prioritization", prioritization_router)
api.add_router("/monitoring", monitoring_router)
api.add_router("/funding", funding_router)
api.add_router("/meetings", meetings_router)
