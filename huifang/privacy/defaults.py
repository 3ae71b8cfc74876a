"""Privacy defaults; each is a per-store setting (PrivacyPolicy) seeded with these values."""

# Issue 8 §6: customers without any activity for 5 years are listed for review and anonymisation.
RETENTION_YEARS = 5
# Access log page size.
LOG_PAGE_SIZE = 50
# Retention list page size.
RETENTION_PAGE_SIZE = 100
