from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from huifang.core import clock

from . import selectors


@login_required
def customer_search(request):
    customers = selectors.customer_search(user=request.user, query=request.GET.get("q", ""))
    return render(request, "archive/customer_search.html", {"customers": customers, "now": clock.now()})


@login_required
def statistics(request):
    return render(request, "archive/statistics.html", {})
