"""Issue 17 point 9: staff add a member by number only through an invitation the person
accepts. The lookup never shows the account's name, gives no role before consent, and answers an
account living in another street exactly like an unknown number."""

import threading
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections
from django.urls import reverse

from yishi.core.models import Role, RoleAssignment, User
from yishi.core.notifications import Notification
from yishi.councils import roster
from yishi.councils.models import Invitation, InvitationState, Member

from .conftest import member_input

pytestmark = pytest.mark.django_db


def _resident(mobile, community, name="张真名"):
    return User.objects.create_user(mobile, name=name, home_unit=community)


def _has_role(user, street):
    return RoleAssignment.objects.active().filter(user=user, role=Role.COUNCIL_MEMBER,
                                                  unit=street).exists()


def test_other_streets_resident_not_linked_no_name_no_role(verified_login, council, people,
                                                           xihu):
    """The attack: 西溪 staff add 北山 resident 13800000010 by number."""
    beishan = _resident("13800000010", xihu["beishan_community"], name="北山真名")
    client = verified_login(people["street_staff"])
    url = reverse("councils:members", args=[xihu["xixi"].code])
    post = {"action": "add", "mobile": "13800000010", "name": "", "category": "resident",
            "community": xihu["xixi_community"].pk, "birth_date": "1970-01-01",
            "in_street_since": "2000-01-01"}
    response = client.post(url, post)
    assert response.status_code == 400
    body = response.content.decode()
    assert "北山真名" not in body
    assert not Invitation.objects.exists() and not Member.objects.exists()
    assert not _has_role(beishan, xihu["xixi"])
    # The same answer as a number nobody holds: the form is no oracle.
    unknown = client.post(url, {**post, "mobile": "13899999999"})
    assert unknown.status_code == 400
    message = str(roster.NOT_FOUND)
    assert message in body and message in unknown.content.decode()
    assert not User.objects.filter(mobile="13899999999").exists()


def test_invitation_pending_then_accepted_gives_role(verified_login, council, people, xihu):
    person = _resident("13800000011", xihu["xixi_community"], name="李真名")
    staff = people["street_staff"]
    term = council.current_term()
    invitation = roster.invite_member(staff, term, member_input(
        1, xihu["xixi_community"], mobile="13800000011", name="小李"))
    assert invitation.state == InvitationState.INVITED
    assert not _has_role(person, xihu["xixi"]) and not Member.objects.exists()
    assert Notification.objects.filter(recipient=person).exists()
    # The roster: masked number, the name staff typed labelled so, never the account's name.
    client = verified_login(staff)
    roster_rows = client.get(reverse("councils:members",
                                     args=[xihu["xixi"].code])).content.decode()
    assert person.masked_mobile in roster_rows and "小李" in roster_rows
    assert "李真名" not in roster_rows and "13800000011" not in roster_rows
    # Accepting through the person's own page.
    client.force_login(person)
    page = reverse("councils:invitation", args=[invitation.pk])
    assert client.get(page).status_code == 200
    client.post(page, {"answer": "accept"})
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.ACCEPTED
    assert invitation.member.user == person and _has_role(person, xihu["xixi"])
    # Answering again changes nothing.
    client.post(page, {"answer": "decline"})
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.ACCEPTED


def test_decline_and_withdraw(council, people, xihu):
    person = _resident("13800000012", xihu["xixi_community"])
    staff = people["street_staff"]
    term = council.current_term()
    first = roster.invite_member(staff, term, member_input(1, xihu["xixi_community"],
                                                             mobile="13800000012"))
    with pytest.raises(ValidationError):  # one open invitation per person and term
        roster.invite_member(staff, term, member_input(1, xihu["xixi_community"],
                                                         mobile="13800000012"))
    roster.decline_invitation(person, first)
    assert first.state == InvitationState.DECLINED and not _has_role(person, xihu["xixi"])
    second = roster.invite_member(staff, term, member_input(1, xihu["xixi_community"],
                                                              mobile="13800000012"))
    roster.withdraw_invitation(staff, second)
    with pytest.raises(ValidationError):
        roster.accept_invitation(person, second)
    assert not Member.objects.exists()


def test_only_the_person_answers_and_only_this_street_invites(client, council, people, xihu):
    person = _resident("13800000013", xihu["xixi_community"])
    invitation = roster.invite_member(people["street_staff"], council.current_term(),
                                        member_input(1, xihu["xixi_community"],
                                                     mobile="13800000013"))
    other = people["resident"]
    with pytest.raises(PermissionDenied):
        roster.accept_invitation(other, invitation)
    client.force_login(other)
    page = reverse("councils:invitation", args=[invitation.pk])
    assert client.get(page).status_code == 404
    assert client.post(page, {"answer": "accept"}).status_code == 404
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.INVITED
    beishan_staff = User.objects.create_user("13800000014", name="北山干部",
                                             home_unit=xihu["beishan"])
    RoleAssignment.objects.create(user=beishan_staff, role=Role.STREET_STAFF,
                                  unit=xihu["beishan"])
    with pytest.raises(PermissionDenied):
        roster.invite_member(beishan_staff, council.current_term(), member_input(
            2, xihu["xixi_community"], mobile="13800000013"))
    with pytest.raises(PermissionDenied):
        roster.withdraw_invitation(beishan_staff, invitation)
    assert not _has_role(person, xihu["xixi"])


def test_rules_still_checked(council, people, xihu):
    _resident("13800000015", xihu["xixi_community"])
    with pytest.raises(ValidationError) as exc:
        roster.invite_member(people["street_staff"], council.current_term(), member_input(
            1, xihu["xixi_community"], mobile="13800000015", birth_date=date(2015, 1, 1)))
    assert "birth_date" in exc.value.message_dict
    assert not Invitation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_double_accept_concurrently_adds_once(council, people, xihu):
    person = _resident("13800000016", xihu["xixi_community"])
    invitation = roster.invite_member(people["street_staff"], council.current_term(),
                                        member_input(1, xihu["xixi_community"],
                                                     mobile="13800000016"))
    results, barrier = [], threading.Barrier(6)

    def accept():
        try:
            barrier.wait()
            roster.accept_invitation(person, Invitation.objects.get(pk=invitation.pk))
            results.append("ok")
        except ValidationError:
            results.append("refused")
        except Exception as exc:  # noqa: BLE001 - a database lock error is a finding too
            results.append(type(exc).__name__)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=accept) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Member.objects.filter(user=person).count() == 1
    assert RoleAssignment.objects.active().filter(user=person, role=Role.COUNCIL_MEMBER).count() == 1
    assert results.count("ok") == 1


def test_import_invites_existing_accounts_and_refuses_other_streets(council, people, xihu):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    from yishi.councils import imports

    inside = _resident("13800000017", xihu["xixi_community"], name="西溪真名")
    outside = _resident("13800000018", xihu["beishan_community"], name="北山真名")
    community = xihu["xixi_community"].display_name

    def sheet(*rows):
        workbook = Workbook()
        workbook.active.append(["姓名", "手机号码", "类别", "社区", "出生日期",
                                "居住或工作起始日期"])
        for row in rows:
            workbook.active.append(row)
        buffer = BytesIO()
        workbook.save(buffer)
        return SimpleUploadedFile("m.xlsx", buffer.getvalue())

    term = council.current_term()
    report = imports.import_members(people["street_staff"], term, sheet(
        ["某人", "13800000018", "resident", community, "1970-01-01", "2000-01-01"]))
    assert report.rejected and str(roster.NOT_FOUND) in report.rejected[0][1]
    assert not Invitation.objects.exists() and not _has_role(outside, xihu["xixi"])
    report = imports.import_members(people["street_staff"], term, sheet(
        ["某人", "13800000017", "resident", community, "1970-01-01", "2000-01-01"],
        ["新人", "13800000019", "resident", community, "1970-01-01", "2000-01-01"]))
    assert not report.rejected and report.invited == 1 and report.added == 1
    assert Invitation.objects.get().user == inside and not _has_role(inside, xihu["xixi"])
    assert Member.objects.get().user.mobile == "13800000019"
