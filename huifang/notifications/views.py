"""Screens of the notifications app."""
