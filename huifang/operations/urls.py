from django.urls import path

from . import views, views_campaigns, views_staffing

app_name = "operations"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:store_id>/lounge/", views.lounge_today, name="lounge_today"),
    path("<int:store_id>/lounge/month/", views.lounge_month, name="lounge_month"),
    path("<int:store_id>/lounge/items/", views.lounge_items, name="lounge_items"),
    path("<int:store_id>/lounge/items/<int:item_id>/", views.lounge_item_edit, name="lounge_item_edit"),
    path("<int:store_id>/lounge/<int:checklist_id>/", views.lounge_checklist, name="lounge_checklist"),
    path("<int:store_id>/lounge/photos/<int:photo_id>/", views.lounge_photo, name="lounge_photo"),
    path("<int:store_id>/club/", views.club, name="club"),
    path("<int:store_id>/club/members/", views.club_member_add, name="club_member_add"),
    path("<int:store_id>/club/members/<int:member_id>/", views.club_member_edit, name="club_member_edit"),
    path("<int:store_id>/club/levels/new/", views.club_level_edit, name="club_level_create"),
    path("<int:store_id>/club/levels/<int:level_id>/", views.club_level_edit, name="club_level_edit"),
    path("<int:store_id>/club/customers/<int:customer_id>/", views.customer_club, name="customer_club"),
    path("<int:store_id>/club/events/", views.event_list, name="event_list"),
    path("<int:store_id>/club/events/<int:event_id>/", views.event_detail, name="event_detail"),
    path("<int:store_id>/club/events/<int:event_id>/invite/", views.event_invite, name="event_invite"),
    path("<int:store_id>/club/events/<int:event_id>/signups/", views.event_signup, name="event_signup"),
    path(
        "<int:store_id>/club/events/<int:event_id>/signups/<int:member_id>/attendance/",
        views.event_attendance,
        name="event_attendance",
    ),
    path(
        "<int:store_id>/club/events/<int:event_id>/signups/<int:member_id>/cancel/",
        views.event_signup_cancel,
        name="event_signup_cancel",
    ),
    path("<int:store_id>/staffing/", views.staffing, name="staffing"),
    path("<int:store_id>/staffing/table/", views.staffing_table_edit, name="staffing_table_edit"),
    path("<int:store_id>/staffing/figures/", views.monthly_figure_edit, name="monthly_figure_edit"),
    path("<int:store_id>/statistics/", views.customer_statistics, name="customer_statistics"),
    path("<int:store_id>/statistics.xlsx", views.customer_statistics_export, name="customer_statistics_export"),
    path("<int:store_id>/staffing/buckets/", views_staffing.staffing_buckets_edit, name="staffing_buckets_edit"),
    path("<int:store_id>/messages/", views_campaigns.campaign_list, name="campaign_list"),
    path("<int:store_id>/messages/new/", views_campaigns.campaign_new, name="campaign_new"),
    path("<int:store_id>/messages/<int:campaign_id>/", views_campaigns.campaign_detail, name="campaign_detail"),
    path(
        "<int:store_id>/messages/<int:campaign_id>/progress/",
        views_campaigns.campaign_progress,
        name="campaign_progress",
    ),
    path("e/<str:token>/", views.public_signup, name="public_signup"),
]
