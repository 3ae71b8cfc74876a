"""Default archive rules; each is a per-store setting (ArchivePolicy) with this value to start."""

# Seed 000 §一.3: "每5000公里/3个月为定期提醒客户的周期" — whichever comes first.
MAINTENANCE_INTERVAL_KM = 5000
MAINTENANCE_INTERVAL_MONTHS = 3
# Brief §3: no visit for 6 months is "久未回厂" (dormant); 12 months is lost (流失).
DORMANT_AFTER_MONTHS = 6
LOST_AFTER_MONTHS = 12
# Issue 14 §2 (seed 002 顾客统计表 "首次进厂 / 流失顾客", seed 001 "首次保养后不再回店"): a new car with no first
# service (no maintenance visit at all) this many months after delivery (else purchase) is first-service lost (首保流失).
FIRST_SERVICE_LOST_MONTHS = 12
# Seed 000 "高金额高单价的应对内容": an order above this amount (RMB) is flagged before the call.
HIGH_AMOUNT_RMB = 5000
# Seed 000 "车主从事行业的注记(如:报纸业、记者...等)" and brief §2: press, media, lawyer, government.
SENSITIVE_OCCUPATION_WORDS = (
    "记者,报社,报纸,媒体,新闻,电视台,电台,律师,律所,法院,检察院,政府,公安,交警,消协,工商,市场监管"
)

# DMS import limits (issue 16 §1): a file over any of them is refused whole, naming the limit, before
# memory grows. Each is a per-store setting (ImportPolicy). The benchmark's 100,000 repair orders are
# 507,162 rows and 266 MB of CSV (bench/README.md), so the defaults leave room for a year of a large store.
# Size of the file as read: a CSV's bytes, an XLSX's unpacked members (a 1.2 MB XLSX that unpacked to
# 348 MB ran the import to 7.3 GiB).
IMPORT_MAX_UNPACKED_MB = 300
# An XLSX member that unpacks to more than this many times its packed size is a zip bomb, not a DMS export
# (real sheets compress 5-30 times).
IMPORT_MAX_COMPRESSION_RATIO = 200
IMPORT_MAX_ROWS = 1_000_000
IMPORT_MAX_COLUMNS = 200
# Excel's own limit for one cell (32,767 characters); a longer cell was not written by a spreadsheet.
IMPORT_MAX_CELL_CHARS = 32_767
# A running import whose process is gone is marked failed once its heartbeat is this old.
IMPORT_STALE_AFTER_MINUTES = 10

# Issue 14 §2: the predicted date is the day the km interval is reached (floor of the days); this guards the
# floor against a quotient such as 49.999999999 for an exact 50 days.
DAY_EPSILON = 1e-9
