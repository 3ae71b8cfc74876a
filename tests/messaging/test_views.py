from datetime import timedelta

import pytest
from django.urls import reverse

from huifang.accounts.choices import Role
from huifang.audit.models import AuditEntry
from huifang.messaging import services
from huifang.messaging.choices import MessageChannel, MessagePurpose, MessageStatus, TemplateKind
from huifang.messaging.models import MessageTemplate

from ..factories import CustomerFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def messages(store, other_store, now):
    zhang = CustomerFactory(store=store, name="张三", mobile="+8613812345678", email="zhangsan@example.com")
    li = CustomerFactory(store=other_store, name="李四", mobile="+8613900001111")
    ours = services.message_queue(
        store=store,
        customer=zhang,
        channel=MessageChannel.SMS,
        purpose=MessagePurpose.SERVICE,
        body="我店短信",
        now=now,
        idempotency_key="a",
    )
    night = services.message_queue(
        store=store,
        customer=zhang,
        channel=MessageChannel.EMAIL,
        purpose=MessagePurpose.SERVICE,
        body="夜里的邮件",
        now=now.replace(hour=23),
        idempotency_key="b",
    )
    theirs = services.message_queue(
        store=other_store,
        customer=li,
        channel=MessageChannel.SMS,
        purpose=MessagePurpose.SERVICE,
        body="别家短信",
        now=now,
        idempotency_key="c",
    )
    return ours, night, theirs


def test_manager_sees_own_store_messages_with_masked_numbers(client, manager, messages):
    # given
    client.force_login(manager)
    # when
    response = client.get(reverse("messaging:outbox_list"))
    # then
    html = response.content.decode()
    assert "我店短信" in html and "夜里的邮件" in html
    assert "别家短信" not in html
    assert "138****5678" in html and "13812345678" not in html
    assert "z***@example.com" in html and "zhangsan@" not in html


def test_outbox_list_filters_by_status(client, manager, messages):
    client.force_login(manager)
    html = client.get(reverse("messaging:outbox_list"), {"status": MessageStatus.HELD_QUIET_HOURS}).content.decode()
    assert "夜里的邮件" in html and "我店短信" not in html


def test_outbox_list_query_count_does_not_grow_with_rows(client, manager, store, now, django_assert_num_queries):
    # given 30 messages
    customer = CustomerFactory(store=store)
    for n in range(30):
        services.message_queue(
            store=store,
            customer=customer,
            channel=MessageChannel.SMS,
            purpose=MessagePurpose.SERVICE,
            body=f"第{n}条",
            now=now + timedelta(minutes=n),
            idempotency_key=f"n{n}",
        )
    client.force_login(manager)
    # then session, user with its roles (core.session_user; for the access check and the menu), count, one
    # page of rows with store/customer/template, store list: nothing per row
    with django_assert_num_queries(6):
        response = client.get(reverse("messaging:outbox_list"))
    assert response.content.decode().count("第") >= 30


def test_specialist_may_not_open_the_outbox(client, specialist):
    client.force_login(specialist)
    assert client.get(reverse("messaging:outbox_list")).status_code == 403


def test_director_edits_a_template(client, director, store):
    # given
    client.force_login(director)
    services.templates_ensure_defaults(store=store)
    template = MessageTemplate.objects.get(store=store, kind=TemplateKind.TIPS, channel=MessageChannel.SMS)
    # when
    listing = client.get(reverse("messaging:template_list", args=[store.pk]))
    response = client.post(
        reverse("messaging:template_edit", args=[store.pk, template.pk]),
        {"subject": "", "body": "{customer_name}您好，冬季请检查防冻液。{store_name}", "active": "on"},
    )
    # then
    assert "节日问候" in listing.content.decode() or "Holiday greeting" in listing.content.decode()
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.body == "{customer_name}您好，冬季请检查防冻液。{store_name}"
    assert AuditEntry.objects.filter(object_id=template.pk, action="update").exists()


def test_template_with_unknown_placeholder_is_shown_back_with_the_error(client, director, store):
    client.force_login(director)
    template = services.template_for(store=store, kind=TemplateKind.TIPS, channel=MessageChannel.SMS)
    response = client.post(
        reverse("messaging:template_edit", args=[store.pk, template.pk]),
        {"subject": "", "body": "{customer_nmae}您好", "active": "on"},
    )
    assert response.status_code == 422
    assert "{customer_nmae}" in response.content.decode()
    template.refresh_from_db()
    assert "customer_nmae" not in template.body


def test_manager_may_not_edit_templates(client, manager, store):
    client.force_login(manager)
    template = services.template_for(store=store, kind=TemplateKind.TIPS, channel=MessageChannel.SMS)
    assert client.get(reverse("messaging:template_list", args=[store.pk])).status_code == 403
    assert client.get(reverse("messaging:template_edit", args=[store.pk, template.pk])).status_code == 403


def test_director_of_another_store_gets_404(client, store, other_store):
    # given a care director of the other store
    outsider_director = member(other_store, Role.CARE_DIRECTOR, username="other_director")
    template = services.template_for(store=store, kind=TemplateKind.TIPS, channel=MessageChannel.SMS)
    client.force_login(outsider_director)
    # then our store's templates and letters do not exist for them
    assert client.get(reverse("messaging:template_list", args=[store.pk])).status_code == 404
    assert client.get(reverse("messaging:template_edit", args=[store.pk, template.pk])).status_code == 404
    assert client.get(reverse("messaging:template_edit", args=[other_store.pk, template.pk])).status_code == 404
    assert client.get(reverse("messaging:letters_print", args=[store.pk])).status_code == 404


def _sent_letter(store, now, name, address, key):
    customer = CustomerFactory(store=store, name=name, address=address)
    message = services.message_queue(
        store=store,
        customer=customer,
        channel=MessageChannel.LETTER,
        purpose=MessagePurpose.SERVICE,
        subject="节日问候",
        body="尊敬的{customer_name}：\n祝您中秋快乐！",
        now=now,
        idempotency_key=key,
    )
    return services.message_deliver(message_id=message.pk, now=now)


def test_letters_print_one_per_page_with_address_blocks(client, manager, store, now):
    # given two letters handed to print today
    a = _sent_letter(store, now, "张三", "深圳市南山区科技园路1号", "l1")
    b = _sent_letter(store, now, "李四", "深圳市福田区深南大道2号", "l2")
    assert a.status == b.status == MessageStatus.SENT
    client.force_login(manager)
    # when
    response = client.get(reverse("messaging:letters_print", args=[store.pk]), {"day": now.date().isoformat()})
    # then
    html = response.content.decode()
    assert html.count('<section class="letter">') == 2
    assert "page-break-after: always" in html
    assert "深圳市南山区科技园路1号\n张三 收" in html and "尊敬的李四" in html
    assert AuditEntry.objects.filter(action="export", object_id=store.pk).exists()


def test_letters_print_as_pdf(client, manager, store, now):
    _sent_letter(store, now, "张三", "深圳市南山区科技园路1号", "l1")
    client.force_login(manager)
    response = client.get(
        reverse("messaging:letters_print", args=[store.pk]), {"day": now.date().isoformat(), "format": "pdf"}
    )
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
