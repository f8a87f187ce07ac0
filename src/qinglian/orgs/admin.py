from django.contrib import admin

from qinglian.orgs.models import Member, Organisation, Role, RoleAssignment


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "path", "depth", "is_active"]
    search_fields = ["name", "name_initials", "code"]
    # Paths are kept by orgs.services (create, move): never edited by hand.
    readonly_fields = ["path", "depth", "parent", "version"]


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "category", "gender"]
    search_fields = ["name", "name_pinyin"]
    raw_id_fields = ["organisation", "user"]


admin.site.register(Role)
admin.site.register(RoleAssignment, raw_id_fields=["user", "organisation", "granted_by"])
