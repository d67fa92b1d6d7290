from django.contrib import admin

from .models import DeputyProfile, DutyActivity, LiaisonStation, PointsRule


@admin.register(LiaisonStation)
class LiaisonStationAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "kind", "address"]
    list_filter = ["kind", "unit"]
    search_fields = ["name", "address"]


@admin.register(DeputyProfile)
class DeputyProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "level", "term", "constituency", "is_public"]
    list_filter = ["level", "is_public"]
    filter_horizontal = ["stations"]
    raw_id_fields = ["user"]


@admin.register(PointsRule)
class PointsRuleAdmin(admin.ModelAdmin):
    list_display = ["kind", "points", "valid_from"]
    list_filter = ["kind"]


@admin.register(DutyActivity)
class DutyActivityAdmin(admin.ModelAdmin):
    list_display = ["deputy", "kind", "date", "state", "automatic"]
    list_filter = ["kind", "state", "automatic"]
    readonly_fields = ["state", "decided_by", "automatic"]
