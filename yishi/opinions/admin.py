from django.contrib import admin

from .models import DeadlinePolicy, Opinion, OpinionCategory


@admin.register(OpinionCategory)
class OpinionCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "code", "position"]


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    list_display = ["street", "accept_days", "reply_days", "rating_days", "reminder_days"]


@admin.register(Opinion)
class OpinionAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "street", "category", "state", "created_at"]
    list_filter = ["state", "street", "category"]
    search_fields = ["number", "title"]
    readonly_fields = [f.name for f in Opinion._meta.fields]

    def has_add_permission(self, request):
        return False
