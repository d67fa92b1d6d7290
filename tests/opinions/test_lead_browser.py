"""In a browser: street staff assign an opinion to two departments with a lead, explicitly; the
assisting department's reply leaves the resident waiting; the lead's reply can be rated."""

import pytest

from tests.councils.test_browser import staff_page, staff_sign_in, submit  # noqa: F401
from yishi.core.models import Role, RoleAssignment, User
from yishi.opinions import services
from yishi.opinions.models import OpinionState

from .test_loop import intake

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_multi_department_assignment_with_a_lead(staff_page, people, xihu, category,  # noqa: F811
                                                 platform, handler):
    staff = people["street_staff"]
    office = xihu["xixi"].departments.exclude(pk=platform.pk).first()
    lead_handler = User.objects.create_user("13811113333", name="城管经办人")
    RoleAssignment.objects.create(user=lead_handler, role=Role.DEPARTMENT_HANDLER,
                                  unit=xihu["xixi"], department=office)
    opinion = services.submit_opinion(people["resident"], intake(xihu, category))
    services.accept_opinion(staff, opinion)

    staff_sign_in(staff_page, staff.mobile)
    staff_page.goto(f"/opinions/manage/{opinion.number}/")
    staff_page.locator("select[name=lead]").select_option(str(office.pk))
    staff_page.locator(f"input[name=also][value='{platform.pk}']").check()
    submit(staff_page, staff_page.get_by_role("button", name="交办", exact=True))
    assert dict(opinion.assignments.values_list("department_id", "is_lead")) == {
        office.pk: True, platform.pk: False}
    assert "主办" in staff_page.locator("main").inner_text()

    services.reply_to_opinion(handler, opinion, "平台已配合。")
    opinion.refresh_from_db()
    assert opinion.state == OpinionState.ASSIGNED
    services.reply_to_opinion(lead_handler, opinion, "已划定停放区。")
    opinion.refresh_from_db()
    assert opinion.state == OpinionState.REPLIED
