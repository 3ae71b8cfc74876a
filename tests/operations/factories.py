"""Factories of the operations app (store-level objects through the services' seed defaults)."""

import factory

from huifang.operations.choices import EventKind
from huifang.operations.models import ClubEvent, ClubLevel, ClubMember

from ..factories import CustomerFactory, StoreFactory, UserFactory
from .conftest import NOW, at


class ClubLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClubLevel

    store = factory.SubFactory(StoreFactory)
    name = factory.Sequence(lambda n: f"级别{n}")
    rank = factory.Sequence(lambda n: n + 1)
    benefits = "免费洗车"


class ClubMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClubMember

    level = factory.SubFactory(ClubLevelFactory)
    store = factory.LazyAttribute(lambda o: o.level.store)
    customer = factory.SubFactory(CustomerFactory, store=factory.SelfAttribute("..store"), marketing_consent=True)
    joined_on = NOW.date()


class ClubEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClubEvent

    store = factory.SubFactory(StoreFactory)
    kind = EventKind.SELF_DRIVE
    title = "春季自驾游"
    starts_at = at(2026, 4, 4, 9, 0)
    place = "大梅沙"
    capacity = 2
    created_by = factory.SubFactory(UserFactory)
    created_at = NOW
