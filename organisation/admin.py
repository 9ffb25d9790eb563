from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from organisation.models import Department


@admin.register(Department)
class DepartmentAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "parent", "archived_at"]
    list_filter = ["archived_at"]
    search_fields = ["name", "code"]
    filter_horizontal = ["members"]
