from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from .selectors import all_roles, stores_visible_to


@login_required
def home(request):
    """The signed-in user's start page: the dashboard of their role; without any store, where to go next."""
    if all_roles(user=request.user):
        return redirect("reports:dashboard")
    stores = stores_visible_to(user=request.user).select_related("group", "region")
    return render(request, "accounts/home.html", {"stores": stores, "roles": sorted(all_roles(user=request.user))})
