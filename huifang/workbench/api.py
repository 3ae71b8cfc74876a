"""JSON API of the workbench app."""

from ninja import Router

router = Router(tags=["workbench"])
