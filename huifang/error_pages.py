"""The 500 page inside the usual layout (menu, language, user), like 403 and 404. Django's own 500 view
renders without the request, so the menu's context processor would not run; when even that rendering
fails (the error came from the layout itself) a plain bilingual page is sent instead."""

import logging

from django.http import HttpResponseServerError
from django.template import loader

logger = logging.getLogger(__name__)


def server_error(request):
    try:
        body = loader.render_to_string("500.html", request=request)
    except Exception:  # the layout itself is broken: the plain page still answers
        logger.exception("the 500 page could not be rendered with the layout")
        body = loader.render_to_string("500_plain.html")
    return HttpResponseServerError(body)
