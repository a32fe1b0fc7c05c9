from django.urls import path

from . import views

app_name = "community"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/", views.inbox_new, name="inbox_new"),
    path("comments/<int:comment_id>/", views.comment_detail, name="comment"),
    path("comments/<int:comment_id>/reply/", views.reply, name="reply"),
    path("comments/<int:comment_id>/assign/", views.assign, name="assign"),
    path("comments/<int:comment_id>/state/", views.set_state, name="set_state"),
    path("comments/<int:comment_id>/moderate/", views.moderate, name="moderate"),
    path("comments/<int:comment_id>/warn/", views.warn, name="warn"),
    path("review/", views.review, name="review"),
    path("review/act/", views.review_action, name="review_action"),
    path("review/new/", views.review_new, name="review_new"),
    path("audit/", views.audit, name="audit"),
    path("audit/<int:action_id>/undo/", views.undo, name="undo"),
    path("authors/<int:author_id>/", views.author_detail, name="author"),
    path("authors/<int:author_id>/notes/", views.author_notes, name="author_notes"),
    path("authors/<int:author_id>/mute/", views.mute_author, name="mute"),
    path("authors/<int:author_id>/unmute/", views.unmute_author, name="unmute"),
    path("authors/<int:author_id>/unban/", views.unban_author, name="unban"),
    path("replies/", views.saved_replies, name="saved_replies"),
    path("replies/<int:reply_id>/", views.saved_reply, name="saved_reply"),
    path("replies/<int:reply_id>/delete/", views.delete_saved_reply, name="delete_saved_reply"),
]
