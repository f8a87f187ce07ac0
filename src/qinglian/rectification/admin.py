from django.contrib import admin

from qinglian.rectification.models import Item


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["problem", "organisation", "source", "owner", "due_on", "status", "reopened"]
    list_filter = ["source", "status"]
    search_fields = ["problem"]
    raw_id_fields = ["organisation", "department", "member", "owner", "created_by", "closed_by"]
