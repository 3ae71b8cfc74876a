"""Pure rules: webhook checks, answers, masking, the brief's time, the markdown bodies."""

from datetime import date, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from huifang.robots import rules
from huifang.robots.choices import Platform

DT = "https://oapi.dingtalk.com"
WX = "https://qyapi.weixin.qq.com"


@pytest.mark.parametrize(
    ("platform", "url", "base"),
    [
        (Platform.DINGTALK, f"{DT}/robot/send?access_token=abcdef0123456789", DT),
        (Platform.DINGTALK, f"  {DT}/robot/send?access_token=abcdef0123456789\n", DT),
        (Platform.WECOM, f"{WX}/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa", WX),
    ],
)
def test_official_webhooks_are_accepted(platform, url, base):
    assert rules.check_webhook(platform, url, base=base) == url.strip()


@pytest.mark.parametrize(
    ("platform", "url", "base"),
    [
        # another host (the webhook must not send our alerts anywhere else)
        (Platform.DINGTALK, "https://evil.example.com/robot/send?access_token=abcdef0123456789", DT),
        # plain http to the official host
        (Platform.DINGTALK, "http://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789", DT),
        # a WeCom address pasted as DingTalk, and the other way round
        (Platform.DINGTALK, f"{WX}/cgi-bin/webhook/send?key=693a91f6-7xxx", DT),
        (Platform.WECOM, f"{DT}/robot/send?access_token=abcdef0123456789", WX),
        # no token, a token with odd characters, a look-alike host
        (Platform.DINGTALK, f"{DT}/robot/send", DT),
        (Platform.DINGTALK, f"{DT}/robot/send?access_token=abc%20def<script>", DT),
        (Platform.WECOM, "https://qyapi.weixin.qq.com.evil.cn/cgi-bin/webhook/send?key=693a91f6-7xxx", WX),
    ],
)
def test_other_addresses_are_refused_with_an_example(platform, url, base):
    with pytest.raises(rules.WebhookError) as error:
        rules.check_webhook(platform, url, base=base)
    assert str(error.value).startswith(base)


def test_the_signed_url_carries_the_timestamp_and_the_signature_decodable_to_base64():
    url = rules.signed_url(f"{DT}/robot/send?access_token=abc", secret="SECxyz", timestamp_ms=1700000000000)
    query = parse_qs(urlsplit(url).query)
    assert query["access_token"] == ["abc"] and query["timestamp"] == ["1700000000000"]
    # the sign decodes (after URL-decoding) to a 32-byte SHA-256 HMAC, and changes with secret and time
    import base64

    assert len(base64.b64decode(query["sign"][0])) == 32
    assert rules.dingtalk_sign("SECxyz", 1700000000000) != rules.dingtalk_sign("SECxyz", 1700000000001)
    assert rules.dingtalk_sign("SECxyz", 1700000000000) != rules.dingtalk_sign("SECxyZ", 1700000000000)
    # without a secret the webhook is used as it is
    assert rules.signed_url(f"{DT}/robot/send?access_token=abc", secret="", timestamp_ms=1) == (
        f"{DT}/robot/send?access_token=abc"
    )


def test_markdown_bodies_follow_each_platform():
    assert rules.payload(Platform.DINGTALK, title="T", text="#### T\nx") == {
        "msgtype": "markdown",
        "markdown": {"title": "T", "text": "#### T\nx"},
    }
    assert rules.payload(Platform.WECOM, title="T", text="#### T\nx") == {
        "msgtype": "markdown",
        "markdown": {"content": "#### T\nx"},
    }


@pytest.mark.parametrize(
    ("raw", "ok", "retry", "code"),
    [
        ('{"errcode":0,"errmsg":"ok"}', True, False, ""),
        ('{"errcode":130101,"errmsg":"send too fast"}', False, True, "130101"),
        ('{"errcode":45009,"errmsg":"api freq out of limit"}', False, True, "45009"),
        ('{"errcode":-1,"errmsg":"system busy"}', False, True, "-1"),
        ('{"errcode":310000,"errmsg":"sign not match"}', False, False, "310000"),
        ('{"errcode":93000,"errmsg":"invalid webhook url"}', False, False, "93000"),
        ("<html>502 Bad Gateway</html>", False, True, ""),
    ],
)
def test_answers(raw, ok, retry, code):
    answer = rules.read_answer(raw.encode())
    assert (answer.ok, answer.retry) == (ok, retry)
    assert code in answer.reason


@pytest.mark.parametrize(("name", "masked"), [("张三丰", "张**"), ("李四", "李**"), ("欧阳娜娜", "欧**"), ("", "")])
def test_names_keep_only_the_first_character(name, masked):
    assert rules.mask_name(name) == masked


def test_phone_numbers_are_scrubbed_from_free_text():
    text = "客户电话13812345678，又 +86 139-1234-5678，座机 0755-8888 1234，车牌粤B12345，金额 5000 元，期限 2026-11-26 10:00"
    scrubbed = rules.scrub_numbers(text)
    assert "13812345678" not in scrubbed and "5678" not in scrubbed and "8888" not in scrubbed
    assert scrubbed.count("***") == 3
    assert "粤B12345" in scrubbed and "5000" in scrubbed and "2026-11-26 10:00" in scrubbed


def test_text_is_cut_on_a_character_boundary():
    text = "投诉" * 3000
    cut = rules.fit(text, 100)
    assert len(cut.encode()) <= 100 and cut.endswith("…")
    assert rules.fit("短", 100) == "短"


@pytest.mark.parametrize(
    ("at", "last", "due"),
    [
        (datetime(2026, 6, 2, 8, 29), None, False),
        (datetime(2026, 6, 2, 8, 30), None, True),
        (datetime(2026, 6, 2, 8, 35), date(2026, 6, 1), True),
        (datetime(2026, 6, 2, 23, 0), date(2026, 6, 2), False),
    ],
)
def test_the_brief_is_due_once_a_day_after_its_time(at, last, due):
    assert rules.brief_due(local_now=at, brief_time=time(8, 30), last_brief_day=last) is due


def test_masked_webhook_hides_the_token():
    shown = rules.masked_webhook(f"{DT}/robot/send?access_token=abcdef0123456789")
    assert "abcdef012345" not in shown and shown.endswith("6789")


def test_a_burst_is_paced_and_a_lone_message_goes_at_once():
    now, gap = datetime(2026, 6, 2, 10, 0), timedelta(seconds=6)
    assert rules.paced(now, None, gap) == now
    assert rules.paced(now, now - timedelta(seconds=7), gap) == now
    assert rules.paced(now, now - timedelta(seconds=2), gap) == now + timedelta(seconds=4)
    assert rules.paced(now, now + timedelta(seconds=30), gap) == now + timedelta(seconds=36)
