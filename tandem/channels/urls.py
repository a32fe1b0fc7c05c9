from django.urls import path

from . import views

app_name = "channels"
urlpatterns = [
    path("", views.channel_list, name="list"),
    path("connect/telegram/", views.connect_telegram, name="connect_telegram"),
    path("connect/sandbox/", views.connect_sandbox, name="connect_sandbox"),
    path("<int:channel_id>/", views.channel_detail, name="detail"),
    path("<int:channel_id>/slots/", views.add_slot, name="add_slot"),
    path("<int:channel_id>/slots/<int:slot_id>/delete/", views.delete_slot, name="delete_slot"),
    path("<int:channel_id>/recheck/", views.recheck, name="recheck"),
    path("<int:channel_id>/token/", views.update_token, name="update_token"),
    path("<int:channel_id>/webhook/", views.switch_webhook, name="switch_webhook"),
    path("<int:channel_id>/remove/", views.remove, name="remove"),
]
