"""The moderation pages; see urls.py for which view serves which address."""

from .models import activate_model, model_detail, models, retrain, use_shipped_model
from .rules import delete_rule, edit_rule, new_rule, packs, rules, test_box, toggle_rule
from .settings import settings

__all__ = [
    "activate_model",
    "delete_rule",
    "edit_rule",
    "model_detail",
    "models",
    "new_rule",
    "packs",
    "retrain",
    "rules",
    "settings",
    "test_box",
    "toggle_rule",
    "use_shipped_model",
]
