from django.contrib import admin

from .models import Ballot, Option, PaperTally


class OptionInline(admin.TabularInline):
    model = Option
    extra = 0


@admin.register(Ballot)
class BallotAdmin(admin.ModelAdmin):
    list_display = ["title", "unit", "method", "secrecy", "state", "created_at"]
    list_filter = ["state", "method", "secrecy"]
    search_fields = ["title"]
    inlines = [OptionInline]
    readonly_fields = ["state", "result", "entitled_count", "present_count", "tie_seed",
                       "public_key", "share_set", "threshold", "private_key", "decrypted_at"]


@admin.register(PaperTally)
class PaperTallyAdmin(admin.ModelAdmin):
    list_display = ["ballot", "state", "entered_by", "confirmed_by"]
    readonly_fields = ["lines", "state", "entered_by", "confirmed_by"]
