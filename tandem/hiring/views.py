from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from tandem.core.views import public_view

from .advice import ADVICE
from .forms import QuestionnaireForm
from .questionnaire import MAX_ADMINISTRATOR_SCORE, MAX_MANAGER_SCORE, recommend


@public_view
@require_http_methods(["GET", "HEAD", "POST"])
def questionnaire(request):
    """The questions; answering them shows the recommendation on the same URL, nothing is stored."""
    if request.method != "POST":
        return render(request, "hiring/questionnaire.html", {"form": QuestionnaireForm()})
    form = QuestionnaireForm(request.POST)
    if not form.is_valid():
        return render(request, "hiring/questionnaire.html", {"form": form}, status=400)
    recommendation = recommend(form.cleaned_data)
    context = {
        "form": form,
        "recommendation": recommendation,
        "advice": ADVICE[recommendation.outcome],
        "max_manager_score": MAX_MANAGER_SCORE,
        "max_administrator_score": MAX_ADMINISTRATOR_SCORE,
    }
    return render(request, "hiring/result.html", context)
