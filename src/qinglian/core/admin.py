"""Django's admin, for superusers inspecting data during development (served only with DEBUG).

Staff work through the application's own pages, which apply access control and audit; here the
audit trail is read-only, as it is everywhere.
"""

from django.contrib import admin

from qinglian.core.models import AuditEvent, Job, Notification, Rule


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["seq", "at", "actor_label", "action", "object_repr", "sealed"]
    list_filter = ["sealed", "action"]
    search_fields = ["object_repr", "actor_label"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ["key", "version", "org_path", "effective_from", "effective_to"]
    readonly_fields = [f.name for f in Rule._meta.fields]

    def has_add_permission(self, request):
        return False


admin.site.register(Notification)
admin.site.register(Job)
