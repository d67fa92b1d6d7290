"""Public pages of the district, display preferences, and the staff workspace."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import queries, services
from .errors import error_messages
from .menu import workspace_menu
from .models import TextSize, Unit, UnitKind
from .permissions import active_roles, has_perm


def _back(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or default
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    from .home import anonymous_page, open_now

    def page(**extra) -> HttpResponse:
        district = queries.district()
        return render(request, "core/home.html", {
            "district": district,
            "streets": queries.streets_with_counts(district),
            "open_now": open_now(request.user) if district else None,
            **extra,
        })

    return anonymous_page(request, page) or page()


@require_GET
def street_detail(request: HttpRequest, code: str) -> HttpResponse:
    street = get_object_or_404(
        Unit.objects.select_related("parent"), code=code,
        kind__in=[UnitKind.STREET, UnitKind.TOWN],
    )
    from .home import street_links

    return render(request, "core/street_detail.html", {
        "street": street,
        "links": street_links(street),
        "communities": street.children.order_by("sort_order", "code"),
        "departments": street.departments.all(),
        "stations": street.liaison_stations.all(),
        "trail": [(street.display_name, None)],
    })


@require_POST
def set_text_size(request: HttpRequest) -> HttpResponse:
    size = request.POST.get("text_size")
    if size not in TextSize.values:
        size = TextSize.NORMAL
    response = redirect(_back(request))
    response.set_cookie("yishi_text", size, max_age=365 * 24 * 3600, samesite="Lax",
                        secure=request.is_secure(), httponly=True)
    if request.user.is_authenticated:
        services.set_preferences(request.user, text_size=size)
    return response


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Like Django's set_language, and remembered on the account too."""
    code = request.POST.get("language")
    response = redirect(_back(request))
    if code and check_for_language(code) and code in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, code, max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE, secure=request.is_secure(),
        )
        if request.user.is_authenticated:
            services.set_preferences(request.user, language=code)
    return response


@login_required
def workspace(request: HttpRequest) -> HttpResponse:
    assignments = (
        request.user.role_assignments.active().select_related("unit", "department")
        .order_by("role")
    )
    return render(request, "core/workspace.html", {
        "menu": workspace_menu(request.user),
        "assignments": assignments,
        "trail": [(_("Workspace"), None)],
    })


@login_required
def audit_trail(request: HttpRequest) -> HttpResponse:
    """Audit records of the units the person oversees, newest first; each action in words, in
    the reader's language, with its code as secondary text (filterable by action)."""
    from .forms import AuditFilterForm

    records = queries.audit_records_visible_to(request.user)
    if records is None:
        raise PermissionDenied
    form = AuditFilterForm(request.GET, actions=queries.audit_action_choices(records))
    if form.is_valid() and form.cleaned_data["action"]:
        records = records.filter(action=form.cleaned_data["action"])
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_trail.html", {
        "page": page,
        "form": form,
        "trail": [(_("Workspace"), reverse("core:workspace")), (_("Audit trail"), None)],
    })


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy notice (隐私说明) that sign-up asks residents to agree to (PIPL art. 17)."""
    return render(request, "core/privacy.html", {
        "trail": [(_("Privacy notice"), None)],
        "sms_daily_limit": settings.YISHI_SMS_DAILY_LIMIT,
    })


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def residents_to_verify(request: HttpRequest) -> HttpResponse:
    """Residents of the person's streets who signed up but are not verified yet (实名核验):
    verified residents may vote where a ballot is open to all residents."""
    from .models import User

    paths = [path for role, path, _d in active_roles(request.user)
             if has_perm(request.user, "core.verify_resident", Unit(path=path))]
    if not paths:
        raise PermissionDenied
    if request.method == "POST":
        person = User.objects.filter(pk=request.POST.get("person") or 0).first()
        try:
            if person is None:
                raise ValidationError(_("This person no longer has an account."))
            services.verify_resident(request.user, person)
            messages.success(request, _("%(name)s is verified.") % {"name": person.name})
        except (ValidationError, PermissionDenied) as exc:
            error_messages(request, exc)
        return redirect("core:residents_to_verify")
    from django.db.models import Q

    scope = Q()
    for path in paths:
        scope |= Q(home_unit__path__startswith=path)
    people = (User.objects.filter(scope, verified_at__isnull=True, is_active=True)
              .select_related("home_unit__parent").order_by("date_joined"))
    return render(request, "core/residents_to_verify.html", {
        "page": Paginator(people, 50).get_page(request.GET.get("page")),
        "trail": [(_("Workspace"), reverse("core:workspace")), (_("Residents to verify"), None)],
    })
