"""WSGI entry point (gunicorn huifang.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huifang.settings")
application = get_wsgi_application()

# Load pypinyin's dictionary now, not on the first customer search of each worker (about 1 s).
from huifang.archive.search_keys import name_pinyin  # noqa: E402

name_pinyin("回访")
