from django.contrib import admin

from .models import Ballot, BallotState, Option, PaperTally


def _is_draft(ballot) -> bool:
    return ballot is None or ballot.state == BallotState.DRAFT


class OptionInline(admin.TabularInline):
    """Options are fixed once a ballot opens: what people voted on cannot change under them."""

    model = Option
    extra = 0

    def has_add_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_delete_permission(request, obj)


@admin.register(Ballot)
class BallotAdmin(admin.ModelAdmin):
    list_display = ["title", "unit", "method", "secrecy", "state", "created_at"]
    list_filter = ["state", "method", "secrecy"]
    search_fields = ["title"]
    inlines = [OptionInline]
    readonly_fields = ["state", "result", "entitled_count", "present_count", "tie_seed",
                       "public_key", "share_set", "threshold", "private_key", "decrypted_at"]

    def get_readonly_fields(self, request, obj=None):
        if _is_draft(obj):
            return self.readonly_fields
        # Opened: the ballot's terms are what people voted under; it changes through services.
        return [f.name for f in Ballot._meta.fields]


@admin.register(PaperTally)
class PaperTallyAdmin(admin.ModelAdmin):
    list_display = ["ballot", "state", "entered_by", "confirmed_by"]
    readonly_fields = ["lines", "state", "entered_by", "confirmed_by"]
