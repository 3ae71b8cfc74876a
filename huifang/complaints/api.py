"""JSON API of the complaints app."""

from ninja import Router

router = Router(tags=["complaints"])
