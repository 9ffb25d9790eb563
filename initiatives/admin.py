from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from initiatives.models import Initiative, Lesson, ProgressUpdate, StageChange


@admin.register(Initiative)
class InitiativeAdmin(SimpleHistoryAdmin):
    list_display = ["ref", "title", "department", "stage", "kind", "budget", "archived_at"]
    list_filter = ["stage", "kind", "department"]
    search_fields = ["ref", "title", "summary"]
    list_select_related = ["department"]
    raw_id_fields = ["owner"]


@admin.register(StageChange)
class StageChangeAdmin(admin.ModelAdmin):
    list_display = ["initiative", "from_stage", "to_stage", "status", "proposed_by", "proposed_at"]
    list_filter = ["status"]
    list_select_related = ["initiative", "proposed_by"]

    def has_change_permission(self, request, obj=None):
        # The stage history is a record: it is never edited afterwards.
        return False


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(SimpleHistoryAdmin):
    list_display = ["initiative", "date", "health", "author"]
    list_select_related = ["initiative", "author"]


@admin.register(Lesson)
class LessonAdmin(SimpleHistoryAdmin):
    list_display = ["initiative", "kind", "date", "author"]
    list_select_related = ["initiative", "author"]
