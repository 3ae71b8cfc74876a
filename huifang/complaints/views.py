"""Screens of the complaints app."""
