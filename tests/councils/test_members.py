"""Adding members with the council's rules, duplicates refused, leaving the council, the Excel
import (all or nothing, row-by-row report, wrong columns refused) and the masked public roster."""

from datetime import date
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from yishi.core.models import Role, RoleAssignment, User
from yishi.councils import imports, roster
from yishi.councils.models import Member, MemberStatus

from .conftest import member_input

pytestmark = pytest.mark.django_db


def test_add_member_gives_the_role_and_creates_the_account(council, people, xihu):
    staff = people["street_staff"]
    member = roster.add_member(staff, council.current_term(),
                                 member_input(1, xihu["xixi_community"]))
    assert User.objects.filter(mobile="13710000001").exists()
    assert RoleAssignment.objects.active().filter(user=member.user, role=Role.COUNCIL_MEMBER,
                                                  unit=xihu["xixi"]).exists()
    roster.end_membership(staff, member, MemberStatus.RESIGNED)
    assert not RoleAssignment.objects.filter(user=member.user, role=Role.COUNCIL_MEMBER,
                                             ends_on__isnull=True).exists()


@pytest.mark.parametrize("field, overrides", [
    ("birth_date", {"birth_date": date(2015, 1, 1)}),
    ("birth_date", {"birth_date": None}),
    ("in_street_since", {"in_street_since": date.today()}),
    ("mobile", {"mobile": "12345"}),
    ("category", {"category": "mayor"}),
])
def test_rules_are_checked(council, people, xihu, field, overrides):
    with pytest.raises(ValidationError) as exc:
        roster.add_member(people["street_staff"], council.current_term(),
                            member_input(1, xihu["xixi_community"], **overrides))
    assert field in exc.value.message_dict
    assert Member.objects.count() == 0


def test_duplicate_member_refused(council, people, xihu):
    term = council.current_term()
    roster.add_member(people["street_staff"], term, member_input(1, xihu["xixi_community"]))
    with pytest.raises(ValidationError) as exc:
        roster.add_member(people["street_staff"], term, member_input(1, xihu["xixi_community"]))
    assert "mobile" in exc.value.message_dict
    assert Member.objects.count() == 1


def _xlsx(rows) -> SimpleUploadedFile:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("members.xlsx", buffer.getvalue())


HEADER = imports.template_headers()


def test_import_all_or_nothing(council, people, xihu):
    term = council.current_term()
    community = xihu["xixi_community"].name
    bad = _xlsx([HEADER,
                 ["王一", "13730000001", "居民代表", community, "1970-01-01", "2000-01-01"],
                 ["王二", "13730000002", "市长", community, "1970-01-01", "2000-01-01"],
                 ["王三", "13730000003", "resident", "火星社区", "2015-01-01", "2000-01-01"],
                 ["王四", "13730000001", "expert", "", "1970-01-01", "2000-01-01"]])
    report = imports.import_members(people["street_staff"], term, bad)
    assert report.added == 0
    assert [row for row, _reason in report.rejected] == [3, 4, 5]
    assert "市长" in report.rejected[0][1]
    assert Member.objects.count() == 0 and not User.objects.filter(mobile="13730000001").exists()
    good = _xlsx([HEADER,
                  ["王一", "13730000001", "居民代表", community, date(1970, 1, 1), "2000-01-01"],
                  ["王二", "13730000002", "expert", "", "1965/05/05", "2000.01.01"]])
    report = imports.import_members(people["street_staff"], term, good)
    assert report.added == 2 and not report.rejected
    assert Member.objects.count() == 2


def test_import_wrong_columns_or_not_excel(council, people):
    term = council.current_term()
    with pytest.raises(ValidationError) as exc:
        imports.import_members(people["street_staff"], term, _xlsx([["姓名", "电话"], ["a", "b"]]))
    assert "file" in exc.value.message_dict
    with pytest.raises(ValidationError):
        imports.import_members(people["street_staff"], term,
                               SimpleUploadedFile("x.xlsx", b"not a spreadsheet"))
    assert Member.objects.count() == 0


def test_public_roster_masks_contacts(client, council, people, xihu):
    term = council.current_term()
    roster.add_member(people["street_staff"], term, member_input(7, xihu["xixi_community"]))
    page = client.get(f"/councils/{xihu['xixi'].code}/")
    assert "成员7" not in page.content.decode()  # not published yet
    roster.publish_roster(people["street_staff"], term)
    page = client.get(f"/councils/{xihu['xixi'].code}/").content.decode()
    assert "成员7" in page and "137****0007" in page and "13710000007" not in page
    csv = client.get(f"/councils/{xihu['xixi'].code}/roster.csv").content.decode()
    assert "137****0007" in csv and "13710000007" not in csv


def test_replacement_through_the_page(verified_login, council, people, xihu):
    term = council.current_term()
    old = roster.add_member(people["street_staff"], term, member_input(1, xihu["xixi_community"]))
    new = roster.add_member(people["street_staff"], term, member_input(2, xihu["xixi_community"]))
    client = verified_login(people["street_staff"])
    url = f"/councils/manage/{xihu['xixi'].code}/members/"
    client.post(url, {"action": "end", "status": "replaced", "member": old.pk,
                      "replaced_by": old.pk})
    old.refresh_from_db()
    assert old.status == MemberStatus.SERVING
    client.post(url, {"action": "end", "status": "replaced", "member": old.pk,
                      "replaced_by": new.pk})
    old.refresh_from_db()
    assert old.status == MemberStatus.REPLACED and old.replaced_by == new and old.left_on
    assert "成员1" in client.get(url).content.decode()
