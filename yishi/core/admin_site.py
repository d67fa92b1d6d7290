from django.contrib.admin import ModelAdmin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite

from .admin_audit import audited


class YishiAdminSite(OTPAdminSite):
    """The admin for system administrators: a verified second factor is required, and signing in
    goes through the staff sign-in (same lockout, same TOTP) rather than a second door."""

    site_header = _("Yishi administration")
    site_title = _("Yishi administration")

    def login(self, request, extra_context=None):
        target = request.GET.get("next") or reverse("admin:index")
        return redirect(f"{reverse('core:staff_login')}?{urlencode({'next': target})}")

    def register(self, model_or_iterable, admin_class=None, **options):
        # Every admin page writes to the audit chain, whoever registered it.
        super().register(model_or_iterable, audited(admin_class or ModelAdmin), **options)
