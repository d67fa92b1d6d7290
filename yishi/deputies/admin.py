from django.contrib import admin

from .models import LiaisonStation


@admin.register(LiaisonStation)
class LiaisonStationAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "kind", "address"]
    list_filter = ["kind", "unit"]
    search_fields = ["name", "address"]
