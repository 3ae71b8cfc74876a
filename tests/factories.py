"""factory-boy factories for every archive and account model."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from huifang.accounts.choices import Role, Scope
from huifang.accounts.models import DealerGroup, Membership, Region, Store, User
from huifang.archive.choices import CustomerKind, RepairOrderType
from huifang.archive.models import Customer, MileageReading, RepairOrder, Vehicle
from huifang.archive.search_keys import name_initials, name_pinyin, phone_digits
from huifang.core.vehicle_ids import vin_check_digit

PASSWORD = "test-pass-123"


def make_vin(serial: int, wmi: str = "LSV") -> str:
    """A VIN with a correct check digit (LSV = SAIC Volkswagen/Skoda), unique per serial."""
    vin = f"{wmi}AB6NE" + "0" + "R" + f"{serial:07d}"
    return vin[:8] + vin_check_digit(vin) + vin[9:]


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"R{n}")
    name = factory.Sequence(lambda n: f"区域{n}")


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DealerGroup

    code = factory.Sequence(lambda n: f"G{n}")
    name = factory.Sequence(lambda n: f"集团{n}")


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store

    code = factory.Sequence(lambda n: f"S{n:03d}")
    name = factory.Sequence(lambda n: f"测试4S店{n}")
    group = factory.SubFactory(GroupFactory)
    region = factory.SubFactory(RegionFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"员工{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def member(store: Store, role: str = Role.CARE_SPECIALIST, **user_kwargs) -> User:
    """A user with `role` in `store`."""
    user = UserFactory(**user_kwargs)
    Membership.objects.create(user=user, role=role, scope=Scope.STORE, store=store)
    return user


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    store = factory.SubFactory(StoreFactory)
    kind = CustomerKind.INDIVIDUAL
    name = "张三"
    mobile = factory.Sequence(lambda n: f"+86138{n:08d}")
    name_pinyin = factory.LazyAttribute(lambda o: name_pinyin(o.name))
    name_initials = factory.LazyAttribute(lambda o: name_initials(o.name))
    phone_digits = factory.LazyAttribute(lambda o: phone_digits(o.mobile, o.home_phone, o.office_phone))
    home_phone = ""
    office_phone = ""


class VehicleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vehicle

    customer = factory.SubFactory(CustomerFactory)
    store = factory.LazyAttribute(lambda o: o.customer.store)
    vin = factory.Sequence(lambda n: make_vin(n + 1))
    plate = factory.Sequence(lambda n: f"粤B{n:05d}")
    brand = "斯柯达"
    model = "明锐"


class RepairOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RepairOrder

    vehicle = factory.SubFactory(VehicleFactory)
    store = factory.LazyAttribute(lambda o: o.vehicle.store)
    customer = factory.LazyAttribute(lambda o: o.vehicle.customer)
    number = factory.Sequence(lambda n: f"RO{n:07d}")
    ro_type = RepairOrderType.MAINTENANCE
    opened_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))
    delivered_at = factory.LazyAttribute(lambda o: o.opened_at + timedelta(hours=5))
    mileage_in = 10000
    total_amount = Decimal("680.00")


class MileageReadingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MileageReading

    vehicle = factory.SubFactory(VehicleFactory)
    source = "repair_order"
