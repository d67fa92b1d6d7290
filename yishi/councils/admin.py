from django.contrib import admin

from .models import Council, Meeting, Member, Term


class TermInline(admin.TabularInline):
    model = Term
    extra = 0


@admin.register(Council)
class CouncilAdmin(admin.ModelAdmin):
    """The council's rules (quorum, pass rule, notice, thresholds) are set here by the system
    administrator; everything else goes through the workspace so it is audited."""

    list_display = ("name", "street", "quorum_fraction", "pass_rule", "call_threshold")
    inlines = [TermInline]


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ("user", "term", "category", "community", "status")
    list_filter = ("status", "category", "term__council")
    readonly_fields = [f.name for f in Member._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ("title", "council", "starts_at", "state")
    list_filter = ("state", "council")
    readonly_fields = [f.name for f in Meeting._meta.fields]

    def has_add_permission(self, request):
        return False
