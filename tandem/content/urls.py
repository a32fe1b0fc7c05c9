from django.urls import path

from . import views

app_name = "content"
urlpatterns = [
    path("", views.post_list, name="list"),
    path("calendar/", views.calendar, name="calendar"),
    path("new/", views.compose, name="new"),
    path("check/", views.check_limits, name="check"),
    path("<int:post_id>/", views.post_detail, name="post"),
    path("<int:post_id>/edit/", views.compose, name="edit"),
    path("<int:post_id>/submit/", views.submit, name="submit"),
    path("<int:post_id>/approve/", views.approve, name="approve"),
    path("<int:post_id>/reject/", views.reject, name="reject"),
    path("<int:post_id>/schedule/", views.schedule, name="schedule"),
    path("<int:post_id>/move/", views.move, name="move"),
    path("<int:post_id>/cancel/", views.cancel, name="cancel"),
    path("<int:post_id>/edit-published/", views.edit_published, name="edit_published"),
    path("<int:post_id>/delete-published/", views.delete_published, name="delete_published"),
    path("<int:post_id>/media/<int:media_id>/", views.media_file, name="media"),
    path("deliveries/<int:delivery_id>/retry/", views.retry_delivery, name="retry"),
    path("deliveries/<int:delivery_id>/confirm/", views.confirm_delivery, name="confirm"),
    path("rubrics/", views.rubrics, name="rubrics"),
    path("rubrics/<int:rubric_id>/", views.edit_rubric, name="rubric"),
    path("rubrics/<int:rubric_id>/delete/", views.delete_rubric, name="delete_rubric"),
]
