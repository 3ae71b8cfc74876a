"""Per-store appointment settings and their defaults (AppointmentPolicy).

Seed 001 puts the appointment system among the care desk's duties ("管理服务预约系统，合理安排工位和技师资源",
"预约管理系统，自动提醒和确认"); the values below are a common 4S store's: half-hour slots, as many bookings per
slot as the store has reception bays, a reminder the day before.
"""

from datetime import time

SLOT_MINUTES = 30
# Bookings per slot: the reception bays (or advisors) that can take a car in the same half hour.
SLOT_CAPACITY = 3
DAY_START = time(8, 30)
DAY_END = time(17, 30)
# Monday = 0 … Sunday = 6; 4S after-sales usually opens every day. Official holidays close unless the
# store calendar says otherwise.
OPEN_WEEKDAYS = "0123456"
# An appointment counts as kept when the vehicle's next repair order opens on the slot's day or the day after.
ARRIVAL_MATCH_DAYS = 1
# Hours after the slot's end before a booking that never arrived becomes a no-show (the DMS import of
# the day's orders usually comes in the evening, so the default waits for the next morning).
NO_SHOW_AFTER_HOURS = 18
# The day-before reminder goes out at this local time.
REMINDER_TIME = time(10, 0)
# The customer's confirm / reschedule / cancel link stays valid until the slot, at most this many days.
LINK_VALID_DAYS = 30
# Reminder effectiveness: an appointment booked (by any channel) within this many days after a reminder counts
# as booked from it, as well as one booked during the reminder call itself.
REMINDER_BOOKING_DAYS = 7
# How far ahead a slot can be booked.
BOOKING_HORIZON_DAYS = 60

CONFIRMATION_TEXT = (
    "【{store_name}】{customer_name}，您已预约{day} {time}到店{service}{plate}，服务顾问{advisor}。"
    "确认、改期或取消请点击 {link}"
)
REMINDER_TEXT = "【{store_name}】{customer_name}，提醒您明天{time}到店{service}，如需改期或取消请点击 {link}"
# The placeholders the two texts may use (checked when a store edits them).
PLACEHOLDERS = ("store_name", "store_phone", "customer_name", "day", "time", "service", "advisor", "link", "plate")
