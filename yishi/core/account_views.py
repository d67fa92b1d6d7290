"""Signing up and in (residents by SMS code; staff by password and TOTP), the account page
with data export and deletion, and the inbox."""

import json
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import notifications, services, signin
from .errors import add_form_errors, error_messages
from .forms import (
    CodeForm,
    DeleteAccountForm,
    EmailForm,
    MobileForm,
    NoticePreferencesForm,
    SignUpForm,
    StaffLoginForm,
    TotpForm,
)
from .models import CodePurpose, Notification, Unit, User
from .permissions import is_staff_person

PENDING_SIGNIN = "yishi_pending_signin"    # resident: {"mobile", "purpose", signup fields}
PENDING_STAFF = "yishi_pending_staff"      # staff who passed the password step: user id


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                  request.is_secure()):
        return target
    return default


def _finish_login(request: HttpRequest, user: User) -> None:
    login(request, user, backend="yishi.core.auth_backends.MobileBackend")
    if user.language:
        request.session["_language"] = user.language
    else:
        # Notices are written in the reader's language: until they choose one, it is the
        # language they signed in with.
        services.set_preferences(user, language=get_language())


def _with_language(response: HttpResponse, user: User) -> HttpResponse:

    if user.language:
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language,
                            max_age=settings.LANGUAGE_COOKIE_AGE, samesite="Lax")
    return response


# --- residents: one-time code ------------------------------------------------------------

def _send_code(request, form, mobile: str, purpose: str, **pending) -> bool:
    """Send a code and remember, in the session, what to do once it is entered."""
    try:
        signin.send_code(mobile, purpose, signin.client_address(request))
    except ValidationError as exc:
        add_form_errors(form, exc, "mobile")
        return False
    request.session[PENDING_SIGNIN] = {"mobile": mobile, "purpose": purpose, **pending}
    return True


def login_view(request: HttpRequest) -> HttpResponse:
    form = MobileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # The same answer for every number, with an account or without, resident or staff:
        # signin.send_code decides, out of sight, whether a text goes out.
        if _send_code(request, form, form.cleaned_data["mobile"], CodePurpose.LOGIN,
                      next=_next_url(request, reverse("core:workspace_or_home"))):
            return redirect("core:enter_code")
    return render(request, "core/account/login.html", {"form": form})


def signup_view(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        mobile = form.cleaned_data["mobile"]
        if User.objects.filter(mobile=mobile).exists():
            form.add_error("mobile", _("This number already has an account. Please sign in."))
        elif _send_code(request, form, mobile, CodePurpose.SIGNUP, next=reverse("core:account"),
                        name=form.cleaned_data["name"],
                        home_unit=form.cleaned_data["home_unit"].pk):
            return redirect("core:enter_code")
    return render(request, "core/account/signup.html", {"form": form})


def enter_code_view(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING_SIGNIN)
    if not pending:
        return redirect("core:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            signin.check_code(pending["mobile"], pending["purpose"], form.cleaned_data["code"],
                              signin.client_address(request))
            if pending["purpose"] == CodePurpose.SIGNUP:
                user = services.sign_up_resident(
                    pending["mobile"], pending["name"], Unit.objects.get(pk=pending["home_unit"])
                )
            else:
                user = User.objects.get(mobile=pending["mobile"], is_active=True)
                if is_staff_person(user):  # no code is ever sent to staff; never a way in
                    raise User.DoesNotExist
        except ValidationError as exc:
            add_form_errors(form, exc, "code")
        except User.DoesNotExist:
            form.add_error(None, _("This account is no longer active."))
        else:
            del request.session[PENDING_SIGNIN]
            _finish_login(request, user)
            if pending["purpose"] == CodePurpose.SIGNUP:
                messages.success(request, _("Welcome! Your account has been created."))
            return _with_language(redirect(pending["next"]), user)
    return render(request, "core/account/enter_code.html", {
        "form": form, "masked_mobile": pending["mobile"][:3] + "****" + pending["mobile"][-4:],
        "signing_in": pending["purpose"] == CodePurpose.LOGIN,
    })


@require_POST
def resend_code_view(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING_SIGNIN)
    if not pending:
        return redirect("core:login")
    try:
        signin.send_code(pending["mobile"], pending["purpose"], signin.client_address(request))
    except ValidationError as exc:
        error_messages(request, exc)
    else:
        messages.success(request, _("A new code has been sent."))
    return redirect("core:enter_code")


# --- staff: password, then TOTP ----------------------------------------------------------

def staff_login_view(request: HttpRequest) -> HttpResponse:
    form = StaffLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = signin.check_password(
                request, form.cleaned_data["mobile"], form.cleaned_data["password"],
                signin.client_address(request),
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            request.session[PENDING_STAFF] = {
                "user": user.pk, "next": _next_url(request, reverse("core:workspace")),
            }
            if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                return redirect("core:totp_verify")
            return redirect("core:totp_setup")
    return render(request, "core/account/staff_login.html", {"form": form})


def _pending_staff(request: HttpRequest) -> User | None:
    pending = request.session.get(PENDING_STAFF)
    if not pending:
        return None
    return User.objects.filter(pk=pending["user"], is_active=True).first()


def _complete_staff_login(request: HttpRequest, user: User, device) -> HttpResponse:
    target = request.session.pop(PENDING_STAFF)["next"]
    _finish_login(request, user)
    otp_login(request, device)
    return _with_language(redirect(target), user)


def totp_verify_view(request: HttpRequest) -> HttpResponse:
    user = _pending_staff(request)
    if user is None:
        return redirect("core:staff_login")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return redirect("core:totp_setup")
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            signin.check_totp(user, device, form.cleaned_data["token"],
                              signin.client_address(request))
        except ValidationError as exc:
            add_form_errors(form, exc, "token")
        else:
            return _complete_staff_login(request, user, device)
    return render(request, "core/account/totp_verify.html", {"form": form})


def totp_setup_view(request: HttpRequest) -> HttpResponse:
    """First sign-in of a staff person: enrol an authenticator app (mandatory)."""
    user = _pending_staff(request)
    if user is None:
        return redirect("core:staff_login")
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("core:totp_verify")
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "authenticator"}
    )
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            signin.check_totp(user, device, form.cleaned_data["token"],
                              signin.client_address(request))
        except ValidationError as exc:
            add_form_errors(form, exc, "token")
        else:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            messages.success(request, _("Your authenticator app is set up."))
            return _complete_staff_login(request, user, device)
    secret = b32encode(device.bin_key).decode()
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    svg = image.to_string(encoding="unicode")
    return render(request, "core/account/totp_setup.html", {
        "form": form,
        "qr_svg": mark_safe(svg),  # generated here from our own data, not user input
        "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
    })


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("core:home")


# --- the account, its data, the inbox ----------------------------------------------------

def _account_page(request: HttpRequest, status: int = 200, **forms) -> HttpResponse:
    user = request.user
    forms.setdefault("delete_form", DeleteAccountForm(user=user))
    forms.setdefault("email_form", EmailForm())
    forms.setdefault("notices_form",
                     NoticePreferencesForm(current=notifications.all_channels(user)))
    return render(request, "core/account/account.html", {
        "assignments": user.role_assignments.select_related("unit", "department"),
        "sms_daily_limit": settings.YISHI_SMS_DAILY_LIMIT,
        "languages": settings.LANGUAGES,
        "notice_language_code": notifications.reader_language(user),
        "notice_language": dict(settings.LANGUAGES)[notifications.reader_language(user)],
        **forms,
    }, status=status)


@login_required
def account_view(request: HttpRequest) -> HttpResponse:
    return _account_page(request)


@login_required
@require_POST
def notice_preferences_view(request: HttpRequest) -> HttpResponse:
    form = NoticePreferencesForm(request.POST,
                                 current=notifications.all_channels(request.user))
    if form.is_valid():
        services.set_notice_preferences(request.user, form.chosen())
        messages.success(request, _("Your choice of notices has been saved."))
        return redirect(reverse("core:account") + "#notices-heading")
    return _account_page(request, 400, notices_form=form)


@login_required
@require_POST
def add_email_view(request: HttpRequest) -> HttpResponse:
    form = EmailForm(request.POST)
    if form.is_valid():
        try:
            services.request_email_confirmation(request.user, form.cleaned_data["email"])
        except ValidationError as exc:
            add_form_errors(form, exc, "email")
        else:
            messages.success(request, _("We have mailed a confirmation link to %(email)s. "
                                        "Follow it to start receiving notices there.")
                             % {"email": form.cleaned_data["email"]})
            return redirect(reverse("core:account") + "#email-heading")
    return _account_page(request, 400, email_form=form)


@login_required
def confirm_email_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        email = services.confirm_email(request.user, token)
    except (ValidationError, PermissionDenied) as exc:
        error_messages(request, exc)
    else:
        messages.success(request, _("Your e-mail address %(email)s is confirmed.")
                         % {"email": email})
    return redirect(reverse("core:account") + "#email-heading")


@login_required
@require_POST
def remove_email_view(request: HttpRequest) -> HttpResponse:
    services.remove_email(request.user)
    messages.success(request, _("Your e-mail address has been removed."))
    return redirect(reverse("core:account") + "#email-heading")


@login_required
def export_data_view(request: HttpRequest) -> HttpResponse:
    data = services.export_personal_data(request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="yishi-my-data.json"'
    return response


@login_required
def delete_account_view(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        services.delete_account(user)
        messages.success(request, _("Your account and personal data have been deleted."))
        return redirect("core:home")
    return _account_page(request, 400 if request.method == "POST" else 200, delete_form=form)


@login_required
def inbox_view(request: HttpRequest) -> HttpResponse:
    page = Paginator(
        Notification.objects.filter(recipient=request.user), 20
    ).get_page(request.GET.get("page"))
    return render(request, "core/account/inbox.html", {"page": page})


@login_required
@require_POST
def inbox_mark_read_view(request: HttpRequest) -> HttpResponse:
    ids = request.POST.getlist("id")
    notifications.mark_read(request.user, [int(i) for i in ids if i.isdigit()] if ids else None)
    return redirect("core:inbox")


def workspace_or_home(request: HttpRequest) -> HttpResponse:
    """Signed-in people land on their workspace (residents too: their opinions, messages,
    account); visitors on the home page."""
    return redirect("core:workspace" if request.user.is_authenticated else "core:home")
