from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from yishi.core.models import Role, RoleAssignment, User
from yishi.projects import services
from yishi.projects.models import Category, PhaseKind


@pytest.fixture(autouse=True)
def english(client, settings):
    """The projects tests read messages in English (the pages default to Chinese)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def categories(db):
    good = Category.objects.create(code="elderly", name="养老服务", name_en="Elderly care")
    excluded = Category.objects.create(code="debt", name="举债建设", excluded=True,
                                       exclusion_reason="会增加政府债务的项目不纳入征集")
    return {"good": good, "excluded": excluded}


@pytest.fixture
def cycle(people, xihu, categories):
    from yishi.projects.tellers import set_cycle_tellers

    cycle = services.open_cycle(people["street_staff"], services.CycleInput(
        unit=xihu["xixi"], year=2027, title="西溪街道2027年民生实事项目", budget=Decimal("3000000"),
        starts_at=timezone.now() - timedelta(minutes=1), seats=2, min_support=1))
    # Its secret ballots are sealed to these tellers (tests/voting/helpers.py counts them).
    return set_cycle_tellers(people["street_staff"], cycle, [
        people["street_staff"], people["deputy"], people["council_member"]], 2)


def next_phase(actor, cycle, reason="测试推进"):
    cycle.refresh_from_db()
    phase = cycle.current_phase()
    services.close_phase_early(actor, phase, reason)
    return cycle.current_phase()


def proposal(cycle, community, category, **over):
    data = dict(title="加装电梯", description="老小区加装电梯", category=category,
                community=community, beneficiaries="3幢住户", estimated_cost="600000")
    data.update(over)
    return services.ProposalInput(**data)


@pytest.fixture
def council(xihu):
    """Three council members of 西溪 (voters of the cycle's ballot)."""
    members = []
    for i in range(3):
        user = User.objects.create_user(f"1870000000{i}", name=f"议事会成员{i}",
                                        home_unit=xihu["xixi_community"])
        RoleAssignment.objects.create(user=user, role=Role.COUNCIL_MEMBER, unit=xihu["xixi"])
        members.append(user)
    return members


__all__ = ["next_phase", "proposal", "PhaseKind"]
