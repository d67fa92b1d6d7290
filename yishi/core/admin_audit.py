"""The admin writes to the same hash-chained audit trail as the services.

YishiAdminSite wraps every ModelAdmin registered on it (ours and third-party ones alike) in
AuditedAdminMixin, so no admin page can change data without a record: additions, changes
(with the state before and after), deletions one by one or by action, inline rows (a user's
role assignments) and password changes. Each record is written in the transaction of the change
it describes, so the two commit or roll back together."""

from django.db import transaction

from . import audit

# Secrets are not copied into the audit trail, only that they changed.
SECRET_FIELDS = {"password", "code_hash", "sealed_text"}


def admin_state(obj) -> dict:
    state = audit.snapshot(obj)
    secret = SECRET_FIELDS | ({"key"} if obj._meta.app_label.startswith("otp_") else set())
    for name in secret & set(state):
        state[name] = "(secret)"
    return state


def _action(verb: str, obj) -> str:
    return f"admin.{verb}.{obj._meta.label_lower}"[:64]


class AuditedAdminMixin:
    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            before = request.__dict__.setdefault("_yishi_admin_before", {})
            before[(obj._meta.label, str(obj.pk))] = admin_state(obj)
        return obj

    def _before(self, request, obj):
        return request.__dict__.get("_yishi_admin_before", {}).get((obj._meta.label, str(obj.pk)))

    def log_addition(self, request, obj, message):
        with transaction.atomic():
            audit.record(request.user, _action("add", obj), obj, after=admin_state(obj))
            return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        with transaction.atomic():
            audit.record(request.user, _action("change", obj), obj,
                         before=self._before(request, obj), after=admin_state(obj))
            return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                audit.record(request.user, _action("delete", obj), obj, before=admin_state(obj))
            return super().log_deletions(request, queryset)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            audit.record(request.user, _action("add", obj), obj, after=admin_state(obj))
        for obj, _fields in formset.changed_objects:
            audit.record(request.user, _action("change", obj), obj, after=admin_state(obj))
        for obj in formset.deleted_objects:
            audit.record(request.user, _action("delete", obj), obj, repr_=str(obj))

    def response_action(self, request, queryset):
        # Bulk actions (delete selected) log before they act: one transaction for both.
        with transaction.atomic():
            return super().response_action(request, queryset)


def audited(admin_class):
    """`admin_class` with AuditedAdminMixin in front, unless it already has it."""
    if issubclass(admin_class, AuditedAdminMixin):
        return admin_class
    return type(admin_class.__name__, (AuditedAdminMixin, admin_class),
                {"__module__": admin_class.__module__})
