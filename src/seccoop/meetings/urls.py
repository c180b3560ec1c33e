from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("", views.MeetingListView.as_view(), name="meeting_list"),
    path("calendar-feeds/", views.feeds, name="feeds"),
    path("calendar-feeds/new/", views.feed_create, name="feed_create"),
    path("calendar-feeds/<id:pk>/revoke/", views.feed_revoke, name="feed_revoke"),
    path("feed/<str:token>.ics", views.feed_ics, name="feed"),
    path("new/", views.MeetingEditView.as_view(), name="meeting_add"),
    path("groups/", views.group_list, name="group_list"),
    path("groups/<id:pk>/", views.group_detail, name="group_detail"),
    path("groups/<id:pk>/invite/", views.group_invite, name="group_invite"),
    path("members/<id:pk>/answer/", views.member_answer, name="member_answer"),
    path("members/<id:pk>/leave/", views.member_leave, name="member_leave"),
    path("agenda/<id:pk>/edit/", views.AgendaItemEditView.as_view(), name="agenda_edit"),
    path("decisions/<id:pk>/edit/", views.DecisionEditView.as_view(), name="decision_edit"),
    path("actions/<id:pk>/edit/", views.ActionItemEditView.as_view(), name="action_edit"),
    path("actions/<id:pk>/close/", views.action_item_close, name="action_close"),
    path("tasks/<id:pk>/toggle/", views.task_toggle, name="task_toggle"),
    path("<id:pk>/", views.MeetingDetailView.as_view(), name="meeting_detail"),
    path("<id:pk>/edit/", views.MeetingEditView.as_view(), name="meeting_edit"),
    path("<id:pk>/history/", views.MeetingHistoryView.as_view(), name="meeting_history"),
    path("<id:meeting>/agenda/new/", views.AgendaItemEditView.as_view(), name="agenda_add"),
    path("<id:meeting>/decisions/new/", views.DecisionEditView.as_view(), name="decision_add"),
    path("<id:meeting>/actions/new/", views.ActionItemEditView.as_view(), name="action_add"),
    path("<id:pk>/pack.<str:fmt>", views.meeting_pack, name="meeting_pack"),
    path("<id:pk>/calendar.ics", views.meeting_ics, name="meeting_ics"),
]
