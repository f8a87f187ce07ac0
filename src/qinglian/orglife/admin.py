from django.contrib import admin

from qinglian.orglife.models import AppraisalRound, Meeting, Talk


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "kind", "starts_at", "status", "counted"]
    list_filter = ["kind", "status", "counted"]
    search_fields = ["title"]
    raw_id_fields = ["organisation", "host", "recorder", "lecturer"]


@admin.register(AppraisalRound)
class AppraisalRoundAdmin(admin.ModelAdmin):
    list_display = ["organisation", "year", "status"]
    raw_id_fields = ["organisation", "meeting"]


@admin.register(Talk)
class TalkAdmin(admin.ModelAdmin):
    list_display = ["initiator", "counterpart", "kind", "talked_on"]
    raw_id_fields = ["organisation", "initiator", "counterpart"]
