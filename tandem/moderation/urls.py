from django.urls import path

from . import views

app_name = "moderation"
urlpatterns = [
    path("", views.rules, name="rules"),
    path("rules/new/", views.new_rule, name="rule_new"),
    path("rules/<int:rule_id>/", views.edit_rule, name="rule_edit"),
    path("rules/<int:rule_id>/toggle/", views.toggle_rule, name="rule_toggle"),
    path("rules/<int:rule_id>/delete/", views.delete_rule, name="rule_delete"),
    path("packs/", views.packs, name="packs"),
    path("test/", views.test_box, name="test"),
    path("settings/", views.settings, name="settings"),
    path("models/", views.models, name="models"),
    path("models/retrain/", views.retrain, name="retrain"),
    path("models/shipped/", views.use_shipped_model, name="use_shipped"),
    path("models/<int:model_id>/", views.model_detail, name="model"),
    path("models/<int:model_id>/activate/", views.activate_model, name="model_activate"),
]
