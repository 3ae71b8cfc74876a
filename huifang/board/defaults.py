"""Defaults of the team board (issue 19 §5; seed 001: key figures and urgent tasks on a board in the work area)."""

# How often the screen fetches fresh figures (issue 19 §5: "every 30 s"); settings.BOARD_REFRESH_SECONDS overrides.
REFRESH_SECONDS = 30
# After this many missed refreshes in a row the screen says its figures may be stale.
STALE_AFTER_REFRESHES = 3
# A pairing code is good for this long and for one screen only.
PAIRING_MINUTES = 15
# Letters and digits that cannot be mistaken for one another when typed from a phone onto a TV remote.
PAIRING_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
PAIRING_CODE_LENGTH = 8
# A paired screen keeps its cookie this long (browsers cap cookies at 400 days); revoking ends it at once.
COOKIE_MAX_AGE_DAYS = 400
COOKIE_NAME = "huifang_board"
# Salt of the signed screen cookie (core.signed_tokens).
TOKEN_SALT = "huifang.board.screen"
# How many open complaints the board lists, soonest deadline first (the counts are always complete).
COMPLAINT_ROWS = 8
# An open complaint with less than this left is "due soon" (the complaint list marks it amber at 4 h too).
DUE_SOON_HOURS = 4
# Failed pairing attempts allowed per address within the window (a code is 31^8 guesses wide; this keeps it so).
PAIR_ATTEMPTS_LIMIT = 20
PAIR_ATTEMPTS_WINDOW_SECONDS = 600
