import pytest

from huifang.archive.selectors import customer_search

from ..factories import CustomerFactory, VehicleFactory, make_vin

pytestmark = pytest.mark.django_db


@pytest.fixture
def zhang(store):
    customer = CustomerFactory(store=store, name="张三", mobile="+8613812345678", office_phone="+861065529988")
    VehicleFactory(customer=customer, plate="粤B12345", vin=make_vin(4242))
    return customer


@pytest.fixture
def others(store):
    # Names that share letters or digits with 张三 without being him.
    CustomerFactory(store=store, name="李四", mobile="+8613900000000")
    CustomerFactory(store=store, name="王五", mobile="+8613700000001")


def names(user, query):
    return [c.name for c in customer_search(user=user, query=query)]


@pytest.mark.parametrize("query", ["zs", "ZS", "zhangsan", "zhang san", "zhang", "张", "张三", "章三"])
def test_name_chinese_pinyin_and_initials_find_zhang_san(specialist, zhang, others, query):
    # when / then
    assert names(specialist, query) == ["张三"]


@pytest.mark.parametrize(
    "query",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+8613812345678",
        "5678",
        "010-6552 9988",
        "(010) 65529988",
    ],
)
def test_phone_in_any_format_finds_the_customer(specialist, zhang, others, query):
    assert names(specialist, query) == ["张三"]


@pytest.mark.parametrize("query", ["粤B12345", "粤b12345", "粤b·12345", "B1234", "b12345"])
def test_plate_or_part_of_it_finds_the_customer(specialist, zhang, others, query):
    assert names(specialist, query) == ["张三"]


def test_full_vin_and_its_last_six_characters_find_the_customer(specialist, zhang, others):
    vin = zhang.vehicles.get().vin
    assert names(specialist, vin) == ["张三"]
    assert names(specialist, vin[-6:]) == ["张三"]
    assert names(specialist, vin[-8:].lower()) == ["张三"]


def test_another_stores_customer_is_invisible(outsider, zhang):
    # given 张三 belongs to `store`, the outsider works for `other_store`
    # when / then: no query reveals him
    for query in ("zs", "张三", "13812345678", "粤B12345", zhang.vehicles.get().vin):
        assert names(outsider, query) == []


def test_search_runs_two_queries_however_many_vehicles(specialist, store, django_assert_num_queries):
    # given ten 张 customers with two cars each
    for i in range(10):
        customer = CustomerFactory(store=store, name=f"张{i}号")
        VehicleFactory.create_batch(2, customer=customer)
    # when / then: the customers (with store), then their vehicles
    with django_assert_num_queries(2):
        rows = list(customer_search(user=specialist, query="zhang"))
        plates = [v.plate for c in rows for v in c.vehicles.all()] + [c.store.name for c in rows]
    assert len(rows) == 10
    assert len(plates) == 30


def test_search_page_shows_masked_phone_plate_and_model(client, specialist, zhang):
    # given
    client.force_login(specialist)
    # when
    response = client.get("/archive/customers/", {"q": "zs"}, headers={"HX-Request": "true"})
    # then: a results partial, the phone masked even for a caller
    html = response.content.decode()
    assert "<html" not in html
    assert "张三" in html and "138****5678" in html and "粤B12345" in html and "明锐" in html
    assert "13812345678" not in html and "138 1234 5678" not in html


def test_a_drivers_phone_finds_the_company(specialist, store):
    # given a company whose driver has his own mobile
    from huifang.archive.choices import ContactRole, CustomerKind
    from huifang.archive.models import Contact

    company = CustomerFactory(store=store, name="深圳顺达物流有限公司", kind=CustomerKind.COMPANY, mobile="")
    Contact.objects.create(customer=company, role=ContactRole.DRIVER, name="王师傅", phone="+8613600001111")
    CustomerFactory(store=store, name="李四", mobile="+8613900000000")
    # when / then
    assert names(specialist, "136 0000 1111") == ["深圳顺达物流有限公司"]
    assert names(specialist, "0000") == ["李四"]
