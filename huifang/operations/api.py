"""JSON API of the operations app."""

from ninja import Router

router = Router(tags=["operations"])
