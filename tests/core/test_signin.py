import re

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from yishi.core.models import LoginThrottle, OneTimeCode, Role, RoleAssignment, User
from yishi.core.sms import LocmemBackend


@pytest.fixture(autouse=True)
def outbox():
    LocmemBackend.outbox.clear()
    return LocmemBackend.outbox


def last_code(outbox, mobile):
    message = [m for m in outbox if m.mobile == mobile][-1]
    return re.search(r"\b(\d{6})\b", message.text).group(1)


def totp_now(device):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


# --- residents ----------------------------------------------------------------------------

def test_resident_signs_up_with_a_code(client, xihu, outbox):
    community = xihu["xixi_community"]
    response = client.post(reverse("core:signup"), {
        "name": "王小明", "mobile": "139 1234 5678", "home_unit": community.pk, "agree": "on",
    })
    assert response.status_code == 302
    assert User.objects.filter(mobile="13912345678").count() == 0  # not before the code
    code = last_code(outbox, "13912345678")
    assert OneTimeCode.objects.get(mobile="13912345678").code_hash != code  # only a hash
    response = client.post(reverse("core:enter_code"), {"code": code})
    assert response.status_code == 302
    user = User.objects.get(mobile="13912345678")
    assert user.name == "王小明" and user.home_unit == community
    assert not user.has_usable_password()
    assert RoleAssignment.objects.filter(user=user, role=Role.RESIDENT, unit=community).exists()
    assert client.get(reverse("core:account")).status_code == 200


def test_signup_with_bad_input_changes_nothing(client, xihu, outbox):
    response = client.post(reverse("core:signup"), {
        "name": "", "mobile": "12345", "home_unit": xihu["xixi"].pk,
    })
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"name", "mobile", "home_unit", "agree"}
    assert "11" in form.errors["mobile"][0]
    assert not outbox and not User.objects.filter(name="").exists()


def test_signup_error_is_in_the_users_language(client, xihu):
    client.cookies["django_language"] = "en"
    response = client.post(reverse("core:signup"), {"mobile": "12"})
    assert "Enter a mainland China mobile number" in response.content.decode()
    client.cookies["django_language"] = "zh-hans"
    response = client.post(reverse("core:signup"), {"mobile": "12"})
    assert "请输入" in response.content.decode()


def test_resident_logs_in_with_a_code(client, people, outbox):
    resident = people["resident"]
    client.post(reverse("core:login"), {"mobile": resident.mobile})
    client.post(reverse("core:enter_code"), {"code": last_code(outbox, resident.mobile)})
    assert client.get(reverse("core:account")).context["user"] == resident


def test_code_works_once_and_expires(client, people, outbox):
    resident = people["resident"]
    client.post(reverse("core:login"), {"mobile": resident.mobile})
    code = last_code(outbox, resident.mobile)
    OneTimeCode.objects.update(expires_at="2000-01-01T00:00:00Z")
    response = client.post(reverse("core:enter_code"), {"code": code})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_unknown_number_is_told_to_sign_up(client, xihu, outbox):
    response = client.post(reverse("core:login"), {"mobile": "13700000000"})
    assert response.status_code == 200 and response.context["form"].errors["mobile"]
    assert not outbox


def test_codes_cannot_be_requested_in_a_burst(client, people, outbox):
    resident = people["resident"]
    client.post(reverse("core:login"), {"mobile": resident.mobile})
    response = client.post(reverse("core:login"), {"mobile": resident.mobile})
    assert response.status_code == 200 and response.context["form"].errors["mobile"]
    assert len(outbox) == 1


@override_settings(YISHI_LOGIN_MAX_FAILURES=3, YISHI_LOGIN_LOCKOUT_MINUTES=15)
def test_wrong_codes_lock_the_number(client, people, outbox):
    resident = people["resident"]
    client.post(reverse("core:login"), {"mobile": resident.mobile})
    right = last_code(outbox, resident.mobile)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(3):
        response = client.post(reverse("core:enter_code"), {"code": wrong})
    assert "_auth_user_id" not in client.session
    assert LoginThrottle.objects.get(mobile=resident.mobile).locked_until is not None
    # Even the right code is refused while locked.
    response = client.post(reverse("core:enter_code"), {"code": right})
    assert "_auth_user_id" not in client.session
    assert "locked" in " ".join(response.context["form"].errors["code"]) or "锁定" in " ".join(
        response.context["form"].errors["code"]
    )


def test_staff_are_sent_to_the_staff_sign_in(client, people, outbox):
    response = client.post(reverse("core:login"), {"mobile": people["street_staff"].mobile})
    assert response.status_code == 302 and response.url == reverse("core:staff_login")
    assert not outbox


# --- staff ---------------------------------------------------------------------------------

def staff_password_step(client, user, password="correct horse battery"):
    return client.post(reverse("core:staff_login"), {"mobile": user.mobile, "password": password})


def test_staff_enrol_totp_on_first_sign_in(client, people):
    staff = people["street_staff"]
    response = staff_password_step(client, staff)
    assert response.url == reverse("core:totp_setup")
    assert "_auth_user_id" not in client.session  # the password alone signs nobody in
    page = client.get(reverse("core:totp_setup"))
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    response = client.post(reverse("core:totp_setup"), {"token": "000000"})
    assert "_auth_user_id" not in client.session or totp_now(device) == "000000"
    response = client.post(reverse("core:totp_setup"), {"token": totp_now(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("core:workspace")).status_code == 200


def test_staff_with_totp_sign_in_with_token(client, people):
    staff = people["district_staff"]
    device = TOTPDevice.objects.create(user=staff, confirmed=True, name="app")
    response = staff_password_step(client, staff)
    assert response.url == reverse("core:totp_verify")
    response = client.post(reverse("core:totp_verify"), {"token": totp_now(device)})
    assert response.status_code == 302
    workspace = client.get(reverse("core:workspace"))
    assert workspace.status_code == 200
    assert reverse("core:audit_trail") in workspace.content.decode()


def test_wrong_password_is_refused(client, people):
    response = staff_password_step(client, people["street_staff"], "wrong password")
    assert response.status_code == 200 and response.context["form"].non_field_errors()


@override_settings(YISHI_LOGIN_MAX_FAILURES=5)
def test_repeated_password_failures_lock_the_account(client, people):
    staff = people["street_staff"]
    for _ in range(5):
        staff_password_step(client, staff, "wrong password")
    response = staff_password_step(client, staff)  # right password, but locked
    assert response.status_code == 200
    assert PENDING_NOT_SET(client)
    # The lock ends by itself.
    LoginThrottle.objects.update(locked_until="2000-01-01T00:00:00Z")
    assert staff_password_step(client, staff).status_code == 302


def PENDING_NOT_SET(client):
    return "yishi_pending_staff" not in client.session


def test_staff_session_without_second_factor_is_ended(client, people):
    """A staff person signed in some other way (here: force_login) is signed out at once."""
    client.force_login(people["street_staff"])
    response = client.get(reverse("core:workspace"))
    assert response.status_code == 302 and response.url.startswith(reverse("core:staff_login"))
    assert "_auth_user_id" not in client.session


def test_admin_needs_second_factor(client, people):
    admin = people["sysadmin"]
    User.objects.filter(pk=admin.pk).update(is_staff=True, is_superuser=True)
    response = client.get("/admin/")
    assert response.status_code == 302
    device = TOTPDevice.objects.create(user=admin, confirmed=True, name="app")
    staff_password_step(client, admin)
    client.post(reverse("core:totp_verify"), {"token": totp_now(device)})
    assert client.get("/admin/").status_code == 200


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
def test_passwords_are_hashed_with_argon2(db):
    user = User.objects.create_user("13500000000", name="x", password="a long passphrase 1")
    assert identify_hasher(user.password).algorithm == "argon2"
    assert check_password("a long passphrase 1", user.password)


def test_logout(client, people):
    client.force_login(people["resident"])
    client.post(reverse("core:logout"))
    assert "_auth_user_id" not in client.session
