"""Huey tasks of the community app: thin wrappers over one unit of work each (the functions tests call)."""

from huey.contrib.djhuey import db_task

from . import actions


@db_task()
def team_action(action: str, comment_ids: list[int], user_id: int, **options):
    """The platform side of a team decision; see actions.run_team_action."""
    return len(actions.run_team_action(action, comment_ids, user_id, **options))
