from django.contrib import admin

from .models import Assignment, GuidanceVisit, LiaisonLink, Task


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    # The state moves only through the workflow (services.py), never by hand here.
    readonly_fields = ["street", "is_lead", "state", "sign_by", "escalate_at", "signed_at",
                       "reported_at", "closed_at", "escalated_at"]
    fields = readonly_fields
    can_delete = False


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "issued_at", "deadline", "created_by"]
    search_fields = ["title"]
    readonly_fields = ["created_by", "issued_at", "source_visit"]
    inlines = [AssignmentInline]


@admin.register(LiaisonLink)
class LiaisonLinkAdmin(admin.ModelAdmin):
    list_display = ["leader", "street", "title", "starts_on", "ends_on"]
    list_filter = ["street"]
    raw_id_fields = ["leader"]


@admin.register(GuidanceVisit)
class GuidanceVisitAdmin(admin.ModelAdmin):
    list_display = ["street", "leader", "date"]
    list_filter = ["street"]
    raw_id_fields = ["leader", "recorded_by"]
