"""Issue 17.10: the admin used to change data past the audit chain (a system administrator gave a
resident district_staff on the user page; the audit count did not move)."""

import datetime

import pytest
from django.contrib import admin
from django.core.management import call_command

from yishi.core.admin_audit import AuditedAdminMixin
from yishi.core.models import AuditRecord, Role, RoleAssignment, User


@pytest.fixture
def admin_client(people, verified_login):
    sysadmin = people["sysadmin"]
    User.objects.filter(pk=sysadmin.pk).update(is_staff=True, is_superuser=True)
    sysadmin.refresh_from_db()
    return verified_login(sysadmin)


def change_form_data(response) -> dict:
    """The change page's own form as the browser would post it back, unchanged."""
    context = response.context
    data, forms = {}, [context["adminform"].form]
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = value
        forms += formset.forms
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False or form.fields[name].disabled:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value
    return data


def test_every_admin_page_is_audited():
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, AuditedAdminMixin), model


def test_granting_a_role_in_the_admin_is_audited(admin_client, people, xihu):
    resident = people["resident"]
    url = f"/admin/core/user/{resident.pk}/change/"
    data = change_form_data(admin_client.get(url))
    n = int(data["role_assignments-TOTAL_FORMS"])
    data.update({
        "role_assignments-TOTAL_FORMS": n + 1,
        f"role_assignments-{n}-role": Role.DISTRICT_STAFF,
        f"role_assignments-{n}-unit": xihu["district"].pk,
        f"role_assignments-{n}-starts_on": datetime.date.today().isoformat(),
        "is_staff": "on",
    })
    before = AuditRecord.objects.count()
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert RoleAssignment.objects.filter(user=resident, role=Role.DISTRICT_STAFF).exists()
    records = list(AuditRecord.objects.filter(seq__gt=before).order_by("seq"))
    actions = {r.action for r in records}
    assert "admin.add.core.roleassignment" in actions
    change = next(r for r in records if r.action == "admin.change.core.user")
    assert change.before["is_staff"] is False and change.after["is_staff"] is True
    assert change.actor_id == people["sysadmin"].pk
    assert change.after["password"] == "(secret)"
    call_command("verify_audit")


def test_password_change_and_deletion_in_the_admin_are_audited(admin_client, people):
    nobody = people["nobody"]
    before = AuditRecord.objects.count()
    response = admin_client.post(f"/admin/core/user/{nobody.pk}/password/", {
        "password1": "a fresh long passphrase 9", "password2": "a fresh long passphrase 9",
        "usable_password": "true",
    })
    assert response.status_code == 302
    record = AuditRecord.objects.get(seq=before + 1)
    assert record.action == "admin.change.core.user"
    assert nobody.password[:20] not in str(record.after)
    response = admin_client.post("/admin/core/user/", {
        "action": "delete_selected", "_selected_action": [nobody.pk], "post": "yes",
    })
    assert response.status_code == 302 and not User.objects.filter(pk=nobody.pk).exists()
    assert AuditRecord.objects.filter(action="admin.delete.core.user",
                                      object_id=str(nobody.pk)).exists()
    call_command("verify_audit")


def test_ballot_options_cannot_be_edited_in_the_admin_once_open(admin_client, people, xihu):
    from yishi.voting.models import Ballot, BallotState, Option

    ballot = Ballot.objects.create(title="Which park?", unit=xihu["xixi"], method="plurality",
                                   state=BallotState.OPEN)
    option = Option.objects.create(ballot=ballot, key="A", title="North park")
    url = f"/admin/voting/ballot/{ballot.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    inline = page.context["inline_admin_formsets"][0]
    assert not inline.has_change_permission and not inline.has_add_permission
    data = change_form_data(page)
    data.update({"options-0-id": option.pk, "options-0-title": "South park",
                 "options-0-key": "A", "options-0-ballot": ballot.pk,
                 "options-TOTAL_FORMS": 1, "options-INITIAL_FORMS": 1, "title": "Changed"})
    admin_client.post(url, data)
    option.refresh_from_db()
    ballot.refresh_from_db()
    assert option.title == "North park" and ballot.title == "Which park?"
