"""Placeholder views; replaced by the content UI."""

from django.shortcuts import render

from tandem.workspaces.access import workspace_view


@workspace_view("content.view")
def post_list(request, **kwargs):
    return render(request, "base.html")


@workspace_view("content.view")
def calendar(request, **kwargs):
    return render(request, "base.html")


@workspace_view("content.view")
def compose(request, **kwargs):
    return render(request, "base.html")


@workspace_view("content.view")
def check_limits(request, **kwargs):
    return render(request, "base.html")


@workspace_view("content.view")
def post_detail(request, **kwargs):
    return render(request, "base.html")


@workspace_view("content.view")
def submit(request, **kwargs):
    return render(request, "base.html")


@workspace_view("content.view")
def approve(request, **kwargs):
    return render(request, "base.html")


@workspace_view("content.view")
def reject(request, **kwargs):
    return render(request, "base.html")


@workspace_view("content.view")
def schedule(request, **kwargs):
    return render(request, "base.html")


@workspace_view("content.view")
def move(request, **kwargs):
    return render(request, "base.html")


@workspace_view("content.view")
def cancel(request, **kwargs):
    return render(request, "base.html")


@workspace_view("content.view")
def edit_published(request, **kwargs):
    return render(request, "base.html")


@workspace_view("content.view")
def delete_published(request, **kwargs):
    return render(request, "base.html")


@workspace_view("content.view")
def media_file(request, **kwargs):
    return render(request, "base.html")


@workspace_view("content.view")
def retry_delivery(request, **kwargs):
    return render(request, "base.html")


@workspace_view("content.view")
def confirm_delivery(request, **kwargs):
    return render(request, "base.html")


@workspace_view("content.view")
def rubrics(request, **kwargs):
    return render(request, "base.html")


@workspace_view("content.view")
def delete_rubric(request, **kwargs):
    return render(request, "base.html")
