from django.shortcuts import render

from tandem.workspaces.access import workspace_view


@workspace_view("workspace.view")
def notification_list(request):
    return render(request, "base.html")
