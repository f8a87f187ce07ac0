from django.urls import path

from qinglian.orgs.views import committees, departments, members, roles, tree

app_name = "orgs"

urlpatterns = [
    path("", tree.org_list, name="org_list"),
    path("<int:pk>/", tree.org_detail, name="org_detail"),
    path("<int:pk>/children/", tree.org_children, name="org_children"),
    path("<int:pk>/create/", tree.org_create, name="org_create"),
    path("<int:pk>/rename/", tree.org_rename, name="org_rename"),
    path("members/", members.member_list, name="member_list"),
    path("members/new/", members.member_create, name="member_create"),
    path("members/<int:pk>/", members.member_detail, name="member_detail"),
    path("members/<int:pk>/edit/", members.member_edit, name="member_edit"),
    path("members/<int:pk>/status/", members.member_status, name="member_status"),
    path("members/<int:pk>/probation/<slug:step>/", members.member_probation, name="member_probation"),
    path("members/<int:pk>/id-number/", members.member_reveal_id, name="member_reveal_id"),
    path("members/<int:pk>/login/", members.member_login_create, name="member_login_create"),
    path("roles/", roles.assignment_list, name="assignment_list"),
    path("roles/assign/", roles.assignment_create, name="assignment_create"),
    path("roles/<int:pk>/revoke/", roles.assignment_revoke, name="assignment_revoke"),
    path("scope/", tree.scope_set, name="scope_set"),
    path("<int:pk>/update/", tree.org_update, name="org_update"),
    path("<int:pk>/move/", tree.org_move, name="org_move"),
    path("<int:pk>/merge/", tree.org_merge, name="org_merge"),
    path("<int:pk>/dissolve/", tree.org_dissolve, name="org_dissolve"),
    path("pick/", tree.org_pick, name="org_pick"),
    path("<int:pk>/terms/start/", committees.term_start, name="term_start"),
    path("<int:pk>/posts/assign/", committees.post_assign, name="post_assign"),
    path("<int:pk>/posts/pick/", committees.member_pick, name="member_pick"),
    path("posts/<int:pk>/end/", committees.post_end, name="post_end"),
    path("departments/", departments.department_list, name="department_list"),
    path("departments/create/", departments.department_create, name="department_create"),
    path("departments/<int:pk>/", departments.department_detail, name="department_detail"),
    path("departments/<int:pk>/active/", departments.department_active, name="department_active"),
    path("departments/<int:pk>/link/", departments.department_link, name="department_link"),
]
