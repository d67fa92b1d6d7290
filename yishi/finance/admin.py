from django.contrib import admin

from .models import Budget, Classification, Edition


class ClassificationInline(admin.TabularInline):
    model = Classification
    extra = 0


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    list_display = ["year", "title", "is_demo", "imported_at"]
    inlines = [ClassificationInline]


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    """Read-only: a budget changes through the finance pages, where every change is audited."""

    list_display = ["street", "year", "state", "is_demo", "approved_on"]
    list_filter = ["state", "year", "is_demo"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
