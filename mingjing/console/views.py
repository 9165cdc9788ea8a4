from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mingjing.datahub import queries


@login_required
def data(request: HttpRequest) -> HttpResponse:
    return render(request, "console/data.html", {"datasets": queries.dataset_summaries()})
