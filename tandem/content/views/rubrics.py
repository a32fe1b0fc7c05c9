"""Rubrics (content pillars): their colours and target shares, and how this month's plan meets them."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core.errors import ServiceError
from tandem.workspaces.access import workspace_view

from .. import planning, services
from ..access import rubric_for
from ..forms import RubricForm
from ..models import Rubric
from .common import local_today


def _page(request, form=None, editing=None, status=200):
    workspace = request.workspace
    today = local_today(workspace)
    total, mix = planning.rubric_mix(workspace, today)
    approver = services.is_approver(request.membership)
    rubrics = list(Rubric.objects.filter(workspace=workspace))
    return render(
        request,
        "content/rubrics.html",
        {
            "rubrics": rubrics,
            "form": form or RubricForm(),
            "editing": editing,
            "can_manage": approver,
            "mix": mix,
            "mix_total": total,
            "mix_month": today,
            "shares_total": sum(r.target_share for r in rubrics),
        },
        status=status,
    )


def _save(request, rubric):
    form = RubricForm(request.POST, instance=rubric)
    if form.is_valid():
        data = form.cleaned_data
        try:
            saved = planning.save_rubric(
                request.membership,
                rubric,
                name=data["name"],
                colour=data["colour"],
                target_share=data["target_share"],
            )
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Rubric “%(name)s” saved.") % {"name": saved.name})
            return redirect("content:rubrics", request.workspace.slug)
    if rubric is not None:
        rubric.refresh_from_db()
    return _page(request, form, editing=rubric, status=400)


@workspace_view("content.view")
def rubrics(request):
    if request.method == "POST":
        if not services.is_approver(request.membership):
            raise PermissionDenied(_("Only an SMM manager or an owner can change rubrics."))
        return _save(request, None)
    return _page(request)


@workspace_view("content.approve")
def edit_rubric(request, rubric_id):
    rubric = rubric_for(request.membership, rubric_id, "content.approve")
    if request.method == "POST":
        return _save(request, rubric)
    return _page(request, RubricForm(instance=rubric), editing=rubric)


@workspace_view("content.approve")
@require_POST
def delete_rubric(request, rubric_id):
    rubric = rubric_for(request.membership, rubric_id, "content.approve")
    try:
        planning.delete_rubric(request.membership, rubric)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Rubric “%(name)s” deleted; its posts keep their place in the plan.") % {"name": rubric.name},
        )
    return redirect("content:rubrics", request.workspace.slug)
