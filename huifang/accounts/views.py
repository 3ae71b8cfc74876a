from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .selectors import all_roles, stores_visible_to


@login_required
def home(request):
    """The signed-in user's start page: their stores and roles, and where to go next."""
    stores = stores_visible_to(user=request.user).select_related("group", "region")
    return render(request, "accounts/home.html", {"stores": stores, "roles": sorted(all_roles(user=request.user))})
