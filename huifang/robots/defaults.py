"""Robot defaults; the brief time and the alert switches are per-store settings (RobotSettings)."""

from datetime import time

# The daily brief goes out at 08:30 store time: after the 06:00 follow-up run has filled the day's queue and
# before the care team's morning meeting, so the figures are the ones the team starts the day with.
DAILY_BRIEF_TIME = time(8, 30)

# The path and token parameter of each platform's robot webhook; the host is settings.ROBOT_DINGTALK_BASE /
# ROBOT_WECOM_BASE (the official https://oapi.dingtalk.com and https://qyapi.weixin.qq.com unless an
# egress proxy stands in).
DINGTALK_PATH = "/robot/send"
DINGTALK_TOKEN_PARAM = "access_token"
WECOM_PATH = "/cgi-bin/webhook/send"
WECOM_TOKEN_PARAM = "key"

# Answers that mean "too many messages right now": the outbox tries again later (its retry backoff).
# DingTalk 130101 "send too fast" (20 messages a minute per robot); WeCom 45009 "api freq out of limit";
# -1 "system busy" on both. Every other non-zero errcode (310000 sign/keyword/IP, 300001 bad token, WeCom
# 93000 bad key …) will not get better by waiting: the message fails at once with the platform's reason.
RETRY_ERRCODES = frozenset({130101, 45009, -1})

# A burst of alerts (a sweep after a night without workers) is paced to one message per 6 s per store: at most
# 10 a minute, so even two minutes' batches released back to back stay under both platforms' 20 per minute
# (DingTalk then blocks the robot for 10 minutes). Alone, a message goes at once.
SPACING_SECONDS = 6

# WeCom refuses markdown content over 4096 bytes; DingTalk allows more, one limit keeps both safe.
MAX_TEXT_BYTES = 4000

# Every message carries this word, so a DingTalk robot secured by a custom keyword (自定义关键词) accepts it.
KEYWORD = "回访"
