from django.urls import path

from qinglian.orgs.views import members, roles, tree

app_name = "orgs"

urlpatterns = [
    path("", tree.org_list, name="org_list"),
    path("<int:pk>/", tree.org_detail, name="org_detail"),
    path("<int:pk>/children/", tree.org_children, name="org_children"),
    path("<int:pk>/create/", tree.org_create, name="org_create"),
    path("<int:pk>/rename/", tree.org_rename, name="org_rename"),
    path("members/", members.member_list, name="member_list"),
    path("roles/", roles.assignment_list, name="assignment_list"),
    path("roles/assign/", roles.assignment_create, name="assignment_create"),
    path("roles/<int:pk>/revoke/", roles.assignment_revoke, name="assignment_revoke"),
    path("scope/", tree.scope_set, name="scope_set"),
]
