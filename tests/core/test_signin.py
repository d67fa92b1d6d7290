import re

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from yishi.core import signin
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


def _answer(client, mobile):
    """What the login form tells about a number: the response, then the page it leads to."""
    client.cookies.pop("csrftoken", None)
    first = client.post(reverse("core:login"), {"mobile": mobile})
    page = client.get(first.url) if first.status_code == 302 else first
    body = page.content.decode().replace(mobile[:3] + "****" + mobile[-4:], "MASKED")
    body = body.replace(mobile, "NUMBER")
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    return first.status_code, first.get("Location"), page.status_code, body


def test_login_form_answers_the_same_for_every_number(client, people, outbox):
    """Issue 17.4: unregistered, staff and resident numbers cannot be told apart by the form —
    not by the answer, not by the page after it, not by asking twice."""
    answers = {
        kind: _answer(client, mobile)
        for kind, mobile in [("unregistered", "13700000000"),
                             ("staff", people["street_staff"].mobile),
                             ("resident", people["resident"].mobile)]
    }
    assert answers["unregistered"] == answers["staff"] == answers["resident"]
    assert answers["resident"][:3] == (302, reverse("core:enter_code"), 200)
    # Only the resident is sent a code; staff sign in with a password, strangers have no account.
    assert [m.mobile for m in outbox] == [people["resident"].mobile]
    again = {kind: _answer(client, mobile)[3] for kind, mobile in [
        ("unregistered", "13700000000"), ("staff", people["street_staff"].mobile),
        ("resident", people["resident"].mobile)]}
    assert again["unregistered"] == again["staff"] == again["resident"]
    assert "60" in again["resident"]  # "wait before asking again", for all three alike


def test_a_code_never_signs_staff_or_strangers_in(client, people, outbox):
    for mobile in ("13700000000", people["street_staff"].mobile):
        client.post(reverse("core:login"), {"mobile": mobile})
        response = client.post(reverse("core:enter_code"), {"code": "123456"})
        assert response.status_code == 200 and "_auth_user_id" not in client.session
        assert "not correct or has expired" in response.content.decode() or \
            "不正确或已过期" in response.content.decode()


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
    assert signin.locked_until(resident.mobile, "127.0.0.1") is not None
    # Even the right code is refused while locked.
    response = client.post(reverse("core:enter_code"), {"code": right})
    assert "_auth_user_id" not in client.session
    assert "locked" in " ".join(response.context["form"].errors["code"]) or "锁定" in " ".join(
        response.context["form"].errors["code"]
    )




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


# --- limits: per number and source, per number, per source, second factor (issue 17) ------

def wrong_code_from(client, mobile, address):
    client.post(reverse("core:login"), {"mobile": mobile}, REMOTE_ADDR=address)
    return client.post(reverse("core:enter_code"), {"code": "000000"}, REMOTE_ADDR=address)


def _errors(response):
    return " ".join(response.context["form"].errors.get("code", []))


@override_settings(YISHI_LOGIN_MAX_FAILURES=3, YISHI_LOGIN_MAX_FAILURES_PER_NUMBER=5,
                   YISHI_CODE_RESEND_SECONDS=0)
def test_a_stranger_cannot_lock_a_number_for_its_owner(client, people, outbox):
    resident = people["resident"]
    client.cookies["django_language"] = "en"
    lefts = [_errors(wrong_code_from(client, resident.mobile, "10.0.0.66")) for _ in range(3)]
    assert "2 attempts left" in lefts[0] and "1 attempt left" in lefts[1]
    assert "locked" in lefts[2]
    assert "locked" in _errors(wrong_code_from(client, resident.mobile, "10.0.0.66"))
    # From the resident's own address the number still works: the lock is per number and source.
    client.post(reverse("core:login"), {"mobile": resident.mobile}, REMOTE_ADDR="10.0.0.7")
    response = client.post(reverse("core:enter_code"),
                           {"code": last_code(outbox, resident.mobile)}, REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(resident.pk)


@override_settings(YISHI_LOGIN_MAX_FAILURES=3, YISHI_LOGIN_MAX_FAILURES_PER_NUMBER=5,
                   YISHI_CODE_RESEND_SECONDS=0)
def test_guessing_from_many_addresses_meets_the_per_number_ceiling(client, people, outbox):
    resident = people["resident"]
    for n in range(5):
        wrong_code_from(client, resident.mobile, f"10.0.1.{n}")
    # A sixth address is refused before anything is compared, even with the right code.
    client.post(reverse("core:login"), {"mobile": resident.mobile}, REMOTE_ADDR="10.0.1.99")
    assert len([m for m in outbox if m.mobile == resident.mobile]) == 5  # locked: no new code
    response = client.post(reverse("core:enter_code"),
                           {"code": last_code(outbox, resident.mobile)}, REMOTE_ADDR="10.0.1.99")
    assert "_auth_user_id" not in client.session
    assert "锁定" in _errors(response) or "locked" in _errors(response)


@override_settings(YISHI_LOGIN_MAX_FAILURES_PER_SOURCE=4, YISHI_CODE_RESEND_SECONDS=0)
def test_one_address_is_throttled_across_numbers(client, people, outbox):
    for n in range(4):
        wrong_code_from(client, f"1370000000{n}", "10.0.2.1")
    response = client.post(reverse("core:staff_login"), {
        "mobile": people["street_staff"].mobile, "password": "correct horse battery",
    }, REMOTE_ADDR="10.0.2.1")
    assert response.status_code == 200 and PENDING_NOT_SET(client)
    response = client.post(reverse("core:staff_login"), {
        "mobile": people["street_staff"].mobile, "password": "correct horse battery",
    }, REMOTE_ADDR="10.0.2.2")
    assert response.status_code == 302


@override_settings(YISHI_LOGIN_MAX_FAILURES=5)
def test_password_does_not_reset_the_authenticator_count(client, people):
    """Issue 17.2: 3 rounds of (right password, 4 wrong authenticator codes) used to be 12 wrong
    codes and no lock. The second factor counts on its own."""
    staff = people["district_staff"]
    device = TOTPDevice.objects.create(user=staff, confirmed=True, name="app")
    right = totp_now(device)
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
    responses = []
    for _round in range(3):
        assert staff_password_step(client, staff).status_code == 302
        for _ in range(4):
            responses.append(client.post(reverse("core:totp_verify"), {"token": wrong}))
    assert LoginThrottle.objects.get(key=f"totp:{staff.pk}").locked_until is not None
    # Locked now: the right code from the right password is refused too.
    staff_password_step(client, staff)
    response = client.post(reverse("core:totp_verify"), {"token": totp_now(device)})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_client_address_trusts_only_the_configured_proxies(rf, settings):
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    assert signin.client_address(request) == "127.0.0.1"
    settings.YISHI_TRUSTED_PROXY_COUNT = 1
    assert signin.client_address(request) == "203.0.113.5"  # not the client-written 6.6.6.6
