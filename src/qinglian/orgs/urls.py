from django.urls import path

from qinglian.orgs import views

app_name = "orgs"

urlpatterns = [
    path("", views.org_list, name="org_list"),
    path("<int:pk>/", views.org_detail, name="org_detail"),
    path("<int:pk>/children/", views.org_children, name="org_children"),
    path("<int:pk>/create/", views.org_create, name="org_create"),
    path("<int:pk>/rename/", views.org_rename, name="org_rename"),
    path("members/", views.member_list, name="member_list"),
    path("roles/", views.assignment_list, name="assignment_list"),
    path("roles/assign/", views.assignment_create, name="assignment_create"),
    path("roles/<int:pk>/revoke/", views.assignment_revoke, name="assignment_revoke"),
    path("scope/", views.scope_set, name="scope_set"),
]
