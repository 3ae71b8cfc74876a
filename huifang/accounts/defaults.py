"""Named defaults of the accounts app (store set-up)."""

# An invitation link to join a store is valid a week: long enough for a new colleague to open it, short
# enough that a forwarded old e-mail no longer opens an account.
INVITATION_VALID_DAYS = 7

# Time zones offered when a store is created (mainland China, Hong Kong, Macao, Taiwan; Urumqi for the
# Xinjiang stores that keep local time). Any other IANA name is accepted by the command.
STORE_TIME_ZONES = ("Asia/Shanghai", "Asia/Urumqi", "Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei")
