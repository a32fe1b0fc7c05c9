from datetime import UTC, datetime

import pytest

from tandem.channels import services as channel_services
from tandem.content import services
from tandem.content.models import Rubric
from tandem.platforms import pacing


@pytest.fixture(autouse=True)
def fresh_pacing():
    pacing.reset()
    yield
    pacing.reset()


@pytest.fixture
def sandbox(team):
    return channel_services.connect_sandbox(team.membership("manager"), "Rehearsal")


@pytest.fixture
def rubric(team):
    return Rubric.objects.create(
        workspace=team.workspace, name="Behind the scenes", colour="#aa3300", target_share=30
    )


@pytest.fixture
def write_post(team, sandbox):
    """``write_post(role, text, channels=[sandbox])`` saves a post as that role."""

    def write(role="manager", text="Fresh roast on Friday", channels=None, rubric=None):
        return services.save_post(
            team.membership(role),
            None,
            text=text,
            rubric=rubric,
            tags=[],
            channels=channels or [sandbox],
            variants={},
        )

    return write


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(autouse=True)
def committed_data(transactional_db):
    """The engine sends and records from other threads, which only see committed rows."""
