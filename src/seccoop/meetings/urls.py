from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("", views.MeetingListView.as_view(), name="meeting_list"),
    path("calendar-feeds/", views.feeds, name="feeds"),
    path("calendar-feeds/new/", views.feed_create, name="feed_create"),
    path("calendar-feeds/<str:pk>/revoke/", views.feed_revoke, name="feed_revoke"),
    path("feed/<str:token>.ics", views.feed_ics, name="feed"),
    path("<str:pk>/", views.MeetingDetailView.as_view(), name="meeting_detail"),
    path("<str:pk>/calendar.ics", views.meeting_ics, name="meeting_ics"),
]
