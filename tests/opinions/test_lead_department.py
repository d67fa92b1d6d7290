"""Several departments only by explicit choice, one of them leading (主办): the lead's reply
answers the resident, who can rate once the lead has answered; assisting departments (协办)
add their part. The routing suggestion is offered, never pre-ticked."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from yishi.core.models import Role, RoleAssignment, User
from yishi.opinions import services
from yishi.opinions.models import Assignment, AssignmentState, OpinionState

from .test_loop import intake

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(xihu, platform):
    return xihu["xixi"].departments.exclude(pk=platform.pk).first()


@pytest.fixture
def office_handler(office):
    user = User.objects.create_user("13811112222", name="城管经办人")
    RoleAssignment.objects.create(user=user, role=Role.DEPARTMENT_HANDLER, unit=office.street,
                                  department=office)
    return user


@pytest.fixture
def accepted(people, xihu, category):
    opinion = services.submit_opinion(people["resident"], intake(xihu, category))
    services.accept_opinion(people["street_staff"], opinion)
    return opinion


def test_several_departments_need_a_lead(people, accepted, platform, office):
    staff = people["street_staff"]
    with pytest.raises(ValidationError) as refused:
        services.assign_opinion(staff, accepted, [platform, office])
    assert "lead" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.assign_opinion(staff, accepted, [platform], lead=office)  # not among them
    accepted.refresh_from_db()
    assert accepted.state == OpinionState.ACCEPTED and not accepted.assignments.exists()
    services.assign_opinion(staff, accepted, [platform])                 # one: it leads
    assert Assignment.objects.get(opinion=accepted).is_lead


def test_the_resident_rates_once_the_lead_answered(people, accepted, platform, office, handler,
                                                   office_handler):
    staff, resident = people["street_staff"], people["resident"]
    services.assign_opinion(staff, accepted, [platform, office], lead=office)
    leads = dict(accepted.assignments.values_list("department_id", "is_lead"))
    assert leads == {platform.pk: False, office.pk: True}
    services.reply_to_opinion(handler, accepted, "便民服务平台已配合清理。")     # assisting
    accepted.refresh_from_db()
    assert accepted.state == OpinionState.ASSIGNED                     # still waits for the lead
    with pytest.raises(ValidationError):
        services.rate_opinion(resident, accepted, "satisfied")
    services.reply_to_opinion(office_handler, accepted, "城管科已划定停放区。")  # the lead
    accepted.refresh_from_db()
    assert accepted.state == OpinionState.REPLIED
    services.rate_opinion(resident, accepted, "satisfied")
    assert accepted.state == OpinionState.CLOSED


def test_assisting_department_may_add_after_the_lead(people, accepted, platform, office,
                                                     handler, office_handler):
    services.assign_opinion(people["street_staff"], accepted, [platform, office], lead=office)
    services.reply_to_opinion(office_handler, accepted, "主办答复")
    services.reply_to_opinion(handler, accepted, "协办补充")
    accepted.refresh_from_db()
    assert accepted.state == OpinionState.REPLIED and accepted.replies.count() == 2


def test_a_transferred_lead_stays_the_lead(people, xihu, accepted, platform, office, handler):
    services.assign_opinion(people["street_staff"], accepted, [platform, office], lead=platform)
    third = xihu["xixi"].departments.exclude(pk__in=[platform.pk, office.pk]).first()
    services.transfer_assignment(handler, accepted, third, "属于其职责")
    live = accepted.assignments.exclude(state=AssignmentState.TRANSFERRED)
    assert live.get(is_lead=True).department == third


def test_suggestion_is_offered_not_pre_ticked(client, people, accepted, platform,
                                              verified_login, monkeypatch):
    from yishi.opinions import routing_model

    monkeypatch.setattr(routing_model, "suggest", lambda o: {
        "categories": [("停车管理", 0.9)], "departments": [(platform, 0.8)]})
    verified_login(people["street_staff"])
    page = client.get(reverse("opinions:manage", args=[accepted.number]))
    form = page.context["assign_form"]
    assert not form["lead"].value() and not form["also"].value()
    html = page.content.decode()
    assert f'name="lead" value="{platform.pk}"' in html                 # one click to take it
    assert "checked" not in html.split('name="also"')[1][:200]
    client.post(reverse("opinions:manage_action", args=[accepted.number, "assign"]),
                {"lead": platform.pk})
    assert list(accepted.assignments.values_list("department", "is_lead")) == [
        (platform.pk, True)]
