from django.contrib import admin

from yishi.core import audit

from . import text as moderation_text
from .models import ModerationItem, Report, SensitiveWord


@admin.register(SensitiveWord)
class SensitiveWordAdmin(admin.ModelAdmin):
    """The word list in admin too; every change is audited like the page's."""

    list_display = ["word", "normalized", "note", "added_by", "added_at"]
    search_fields = ["word", "normalized"]
    fields = ["word", "note"]

    def save_model(self, request, obj, form, change):
        from django.db import transaction

        obj.normalized = moderation_text.normalize(obj.word)
        if not change:
            obj.added_by = request.user
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit.record(request.user, "moderation.change_word" if change else
                         "moderation.add_word", obj, after={"word": obj.word})

    def delete_model(self, request, obj):
        from django.db import transaction

        with transaction.atomic():
            audit.record(request.user, "moderation.remove_word", obj, before={"word": obj.word})
            super().delete_model(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False if obj is None else super().has_delete_permission(request, obj)


@admin.register(ModerationItem)
class ModerationItemAdmin(admin.ModelAdmin):
    """Read-only: decisions are taken on the moderation pages, through the workflow."""

    list_display = ["__str__", "street", "state", "reports", "created_at"]
    list_filter = ["state", "street"]
    readonly_fields = [f.name for f in ModerationItem._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["item", "reason", "created_at"]
    readonly_fields = [f.name for f in Report._meta.fields]

    def has_add_permission(self, request):
        return False
