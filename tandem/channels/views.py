from django.shortcuts import render

from tandem.workspaces.access import workspace_view


@workspace_view("channels.view")
def channel_list(request):
    return render(request, "base.html")
