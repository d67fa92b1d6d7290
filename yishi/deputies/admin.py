from django.contrib import admin

from .models import DeputyProfile, LiaisonStation


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
