from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import (
    Attachment,
    AuditRecord,
    CalendarDay,
    Department,
    Notification,
    RoleAssignment,
    Unit,
    User,
)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "kind", "code", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "name_en", "code"]
    readonly_fields = ["path"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "street", "kind"]
    list_filter = ["kind", "street"]
    search_fields = ["name"]


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["unit"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["mobile"]
    list_display = ["name", "masked_mobile", "home_unit", "is_active", "is_demo"]
    list_filter = ["is_active", "is_staff", "is_demo"]
    search_fields = ["name", "mobile"]
    autocomplete_fields = ["home_unit"]
    inlines = [RoleAssignmentInline]
    fieldsets = (
        (None, {"fields": ("mobile", "password")}),
        (_("Person"), {"fields": ("name", "email", "home_unit", "verified_at")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser", "is_demo")}),
        (_("Preferences"), {"fields": ("language", "text_size")}),
    )
    add_fieldsets = ((None, {"fields": ("mobile", "name", "password1", "password2")}),)

    def user_change_password(self, request, id, form_url=""):
        # Django saves the new password outside a transaction; its audit record must go with it.
        with transaction.atomic():
            return super().user_change_password(request, id, form_url)

    @admin.display(description=_("mobile number"))
    def masked_mobile(self, obj):
        return obj.masked_mobile


class AuditActionFilter(admin.SimpleListFilter):
    """Filter by action, the choices in words (yishi/core/audit_labels.py), not as codes."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        from .queries import audit_action_choices

        return audit_action_choices(AuditRecord.objects.all())

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    list_display = ["seq", "created_at", "actor_label", "action_in_words", "object_repr"]
    list_filter = [AuditActionFilter]
    # An auditor may search by the action's code too.
    search_fields = ["object_repr", "actor_label", "action"]

    @admin.display(description=_("action"), ordering="action")
    def action_in_words(self, obj):
        return obj.action_label

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["subject", "recipient", "created_at", "read_at"]
    raw_id_fields = ["recipient"]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    raw_id_fields = ["uploaded_by"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "name"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"
