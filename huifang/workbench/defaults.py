"""Defaults of a new store's call workbench: questionnaire, thresholds; each a per-store setting."""

# Issue 4 §5 example: an overall score at or below 6 (of 10) opens a complaint.
LOW_OVERALL_SCORE = 6
# Any other scored question this low opens a problem record for the advisor.
LOW_ITEM_SCORE = 5
