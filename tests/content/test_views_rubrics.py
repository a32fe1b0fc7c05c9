"""Rubrics: create, edit and delete by approvers; target shares never add up past 100 %."""

from django.urls import reverse

from tandem.content.models import Post, Rubric


def rubrics_url(team):
    return reverse("content:rubrics", args=[team.workspace.slug])


def test_create_edit_delete(team, client_as, write_post):
    client = client_as(team.manager)
    response = client.post(rubrics_url(team), {"name": "News", "colour": "#3B6FD8", "target_share": 40})
    assert response.status_code == 302
    news = Rubric.objects.get(workspace=team.workspace)
    assert (news.name, news.colour, news.target_share) == ("News", "#3b6fd8", 40)

    edit = reverse("content:rubric", args=[team.workspace.slug, news.pk])
    assert 'type="color"' in client.get(edit).content.decode()
    assert client.post(edit, {"name": "Updates", "colour": "#00aa00", "target_share": 100}).status_code == 302
    news.refresh_from_db()
    assert (news.name, news.target_share) == ("Updates", 100)

    post = write_post(rubric=news)
    delete = reverse("content:delete_rubric", args=[team.workspace.slug, news.pk])
    assert client.post(delete).status_code == 302
    assert not Rubric.objects.exists()
    assert Post.objects.get(pk=post.pk).rubric is None


def test_shares_over_100_are_refused(team, client_as):
    Rubric.objects.create(workspace=team.workspace, name="News", target_share=70)
    response = client_as(team.manager).post(
        rubrics_url(team), {"name": "Fun", "colour": "#ff0000", "target_share": 40}
    )
    assert response.status_code == 400
    assert "add up to 110 %" in response.content.decode()
    assert Rubric.objects.count() == 1


def test_bad_colour_and_duplicate_name(team, client_as):
    Rubric.objects.create(workspace=team.workspace, name="News")
    client = client_as(team.manager)
    bad = client.post(rubrics_url(team), {"name": "Fun", "colour": "red;x", "target_share": 0})
    assert bad.status_code == 400 and "Use a colour like" in bad.content.decode()
    dup = client.post(rubrics_url(team), {"name": "news", "colour": "#ff0000", "target_share": 0})
    assert dup.status_code == 400 and "already a rubric" in dup.content.decode()
    assert Rubric.objects.count() == 1


def test_guests_see_but_cannot_change(team, client_as):
    rubric = Rubric.objects.create(workspace=team.workspace, name="News", colour="#123456")
    client = client_as(team.guest)
    page = client.get(rubrics_url(team)).content.decode()
    assert "News" in page and 'fill="#123456"' in page and 'data-testid="rubric-form"' not in page
    assert (
        client.post(rubrics_url(team), {"name": "X", "colour": "#000000", "target_share": 0}).status_code
        == 403
    )
    delete = reverse("content:delete_rubric", args=[team.workspace.slug, rubric.pk])
    assert client.post(delete).status_code == 403
    assert Rubric.objects.count() == 1


def test_rubrics_of_another_workspace_are_not_found(team, client_as):
    theirs = Rubric.objects.create(workspace=team.other_workspace, name="Theirs")
    client = client_as(team.manager)
    assert (
        client.post(reverse("content:delete_rubric", args=[team.workspace.slug, theirs.pk])).status_code
        == 404
    )
    assert Rubric.objects.filter(pk=theirs.pk).exists()
