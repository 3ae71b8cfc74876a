"""Screens of the operations app."""
