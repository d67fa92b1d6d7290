from django.contrib import admin

from .models import Category, Cycle, Phase, Project


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ["title", "unit", "year", "budget", "method"]
    inlines = [PhaseInline]
    raw_id_fields = ["ballot", "satisfaction_ballot", "created_by"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "excluded"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["title", "cycle", "community", "state", "estimated_cost"]
    list_filter = ["state"]
    search_fields = ["title"]
    raw_id_fields = ["proposer", "merged_into", "photos", "co_proposers", "supervisors"]
