from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from benefits.models import Benefit, Measurement, PortfolioSetting


class MeasurementInline(admin.TabularInline):
    model = Measurement
    extra = 0
    raw_id_fields = ["recorded_by"]


@admin.register(Benefit)
class BenefitAdmin(SimpleHistoryAdmin):
    list_display = ["title", "initiative", "category", "unit", "confidence", "is_disbenefit"]
    list_filter = ["category", "confidence", "is_disbenefit"]
    search_fields = ["title", "initiative__ref", "initiative__title"]
    list_select_related = ["initiative"]
    raw_id_fields = ["initiative", "owner"]
    inlines = [MeasurementInline]

    def has_change_permission(self, request, obj=None):
        # Measurements keep the denormalised latest value in step only through the app's services.
        return False


@admin.register(PortfolioSetting)
class PortfolioSettingAdmin(SimpleHistoryAdmin):
    list_display = ["hourly_rate", "updated_at"]
