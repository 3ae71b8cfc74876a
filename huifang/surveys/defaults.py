"""Default survey-link rules (issue 8 §1–3); each is a per-store setting (SurveyPolicy) starting at this value."""

# Issue 8 §1: "a signed, expiring link (default 7 days)".
LINK_VALID_DAYS = 7
# Issue 8 §2: the link goes by SMS once the 72-hour call is unreachable (the follow-up rule's
# max_failed_attempts, 3 by default, decides when), then by e-mail "two days later if still unanswered".
EMAIL_AFTER_DAYS = 2
# Issue 8 §2: "the same customer is not surveyed again within 30 days".
RESURVEY_AFTER_DAYS = 30
# Issue 8 §3 "any question dissatisfied": at or below these values per scale (seed 002 counts 1–6 of 10 as
# dissatisfied, the same share of a 5-point scale is 1–2); a "no" to a yes/no question counts too.
DISSATISFIED_SCALE_10 = 6
DISSATISFIED_SCALE_5 = 2
DISSATISFIED_NO = True
# Issue 8 §3: "or a total under a per-store threshold, default 80" (weighted CSS, 0–100).
HOT_TOTAL_BELOW = 80
# The chain looks back this far for unreachable calls still without a link, so a first run (or a
# run after an outage) does not survey customers about visits long past.
LOOKBACK_DAYS = 7
# The public page answers at most this many requests per client address per window (no login there).
RATE_LIMIT_REQUESTS = 30
RATE_LIMIT_WINDOW_SECONDS = 600
# Links the e-mail step handles per transaction.
BATCH_SIZE = 500
