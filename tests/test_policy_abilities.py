"""Named abilities: what a user may do beyond one record's rules is decided by the policy alone.

Every ability is asked of every test persona, of an anonymous visitor and of a platform
administrator; the apps ask ``get_policy().may`` and ``acting_for`` and never read roles themselves
(an import-linter contract forbids importing the policy's module outside ``accounts``).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from seccoop.accounts.models import User
from seccoop.accounts.policy import ABILITIES
from seccoop.core.policy import get_policy
from seccoop.framework.models import Organisation

#: Who holds each ability among the test personas.
HOLDERS = {
    "funding.import_iati": {"secretariat"},
    "funding.book_for_any_partner": {"secretariat"},
    "needs.review": {"secretariat"},
    "monitoring.read_reported": {"secretariat"},
    # every role but viewer
    "meetings.answer_for": {
        "secretariat",
        "jam_focal",
        "brb_focal",
        "dom_focal",
        "twg_member",
        "inl_partner",
        "watch_officer",
    },
    # every persona with a membership
    "member_of": {
        "secretariat",
        "jam_focal",
        "jam_viewer",
        "brb_focal",
        "dom_focal",
        "twg_member",
        "inl_partner",
        "watch_officer",
        "viewer",
    },
}


def test_every_ability_is_pinned_here() -> None:
    assert set(HOLDERS) == set(ABILITIES)


@pytest.mark.parametrize("ability", sorted(ABILITIES))
def test_who_holds_each_ability(users: dict[str, User], ability: str) -> None:
    policy = get_policy()
    for name, user in users.items():
        expected = name in HOLDERS[ability]
        assert policy.may(user, ability) is expected, (name, ability)
        assert bool(policy.acting_for(user, ability)) is expected, (name, ability)
    assert policy.may(AnonymousUser(), ability) is False
    assert policy.acting_for(AnonymousUser(), ability) == set()
    admin = User.objects.create_superuser("root-abilities", "root@example.invalid", "x" * 20)
    assert policy.may(admin, ability) is True


def test_an_ability_held_in_another_organisation_does_not_count(users: dict[str, User]) -> None:
    """``needs.review`` is the Commission's secretariat's, not any secretariat's."""
    policy = get_policy()
    commission = Organisation.objects.get(code="COMMISSION")
    assert policy.acting_for(users["secretariat"], "needs.review") == {commission.pk}
    assert commission.pk not in policy.acting_for(users["jam_focal"], "meetings.answer_for")
    jam = Organisation.objects.get(code="JAM")
    assert policy.acting_for(users["jam_focal"], "meetings.answer_for") == {jam.pk}


def test_an_unknown_ability_is_an_error_not_a_silent_no(users: dict[str, User]) -> None:
    with pytest.raises(KeyError):
        get_policy().may(users["secretariat"], "funding.import_everything")
