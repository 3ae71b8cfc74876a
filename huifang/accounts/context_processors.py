from .selectors import all_roles


def current_store(request):
    """Roles of the signed-in user for the menu; access itself is checked per store in every view."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"user_roles": all_roles(user=user)}
