from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("", views.MeetingListView.as_view(), name="meeting_list"),
    path("calendar-feeds/", views.feeds, name="feeds"),
    path("calendar-feeds/new/", views.feed_create, name="feed_create"),
    path("calendar-feeds/<str:pk>/revoke/", views.feed_revoke, name="feed_revoke"),
    path("feed/<str:token>.ics", views.feed_ics, name="feed"),
    path("new/", views.MeetingEditView.as_view(), name="meeting_add"),
    path("groups/", views.group_list, name="group_list"),
    path("groups/<str:pk>/", views.group_detail, name="group_detail"),
    path("groups/<str:pk>/invite/", views.group_invite, name="group_invite"),
    path("members/<str:pk>/answer/", views.member_answer, name="member_answer"),
    path("members/<str:pk>/leave/", views.member_leave, name="member_leave"),
    path("agenda/<str:pk>/edit/", views.AgendaItemEditView.as_view(), name="agenda_edit"),
    path("decisions/<str:pk>/edit/", views.DecisionEditView.as_view(), name="decision_edit"),
    path("actions/<str:pk>/edit/", views.ActionItemEditView.as_view(), name="action_edit"),
    path("actions/<str:pk>/close/", views.action_item_close, name="action_close"),
    path("tasks/<str:pk>/toggle/", views.task_toggle, name="task_toggle"),
    path("<str:pk>/", views.MeetingDetailView.as_view(), name="meeting_detail"),
    path("<str:pk>/edit/", views.MeetingEditView.as_view(), name="meeting_edit"),
    path("<str:pk>/history/", views.MeetingHistoryView.as_view(), name="meeting_history"),
    path("<str:meeting>/agenda/new/", views.AgendaItemEditView.as_view(), name="agenda_add"),
    path("<str:meeting>/decisions/new/", views.DecisionEditView.as_view(), name="decision_add"),
    path("<str:meeting>/actions/new/", views.ActionItemEditView.as_view(), name="action_add"),
    path("<str:pk>/pack.<str:fmt>", views.meeting_pack, name="meeting_pack"),
    path("<str:pk>/calendar.ics", views.meeting_ics, name="meeting_ics"),
]
