"""The two stores of the hostile-input walk: the home store whose users post, and a foreign store (another
group and region) whose ids are posted and whose data must not change."""

from dataclasses import dataclass

from django.apps import apps

from huifang.accounts.choices import Role, Scope
from huifang.accounts.models import Membership
from huifang.archive.models import Contact, ImportBatch
from huifang.followups.choices import RuleKind
from huifang.followups.models import FollowUpRule, FollowUpTask
from huifang.followups.services import rules_ensure_defaults
from huifang.messaging.models import MessageTemplate
from huifang.messaging.services import templates_ensure_defaults

from ..factories import CustomerFactory, RepairOrderFactory, UserFactory, VehicleFactory, make_vin, member
from ..test_tenancy import StoreA, _store_a_workflow

# Every role, in the order that picks the one that walks a page's full matrix: the first role that may open it.
ROLES = (
    Role.ADMIN,
    Role.CARE_DIRECTOR,
    Role.SERVICE_MANAGER,
    Role.CARE_SPECIALIST,
    Role.SERVICE_ADVISOR,
    Role.SALES_MANAGER,
    Role.GROUP_MANAGER,
    Role.OEM_REGIONAL,
)


def policies_ensure(store) -> None:
    """Create the store's settings rows that pages create on first read (get_or_create), so a refused post
    that reads one is not taken for a write."""
    for model in apps.get_models():
        field = next((f for f in model._meta.fields if f.name == "store"), None)
        if field is not None and field.one_to_one and model.__name__.endswith(("Policy", "Settings")):
            model.objects.get_or_create(store=store)


def users_by_role(store) -> dict[str, object]:
    """One user per role whose reach includes `store`: a store membership, or the store's group or region."""
    users = {}
    for role in ROLES:
        if role == Role.GROUP_MANAGER:
            users[role] = UserFactory(username=f"hostile-{role}")
            Membership.objects.create(user=users[role], role=role, scope=Scope.GROUP, group=store.group)
        elif role == Role.OEM_REGIONAL:
            users[role] = UserFactory(username=f"hostile-{role}")
            Membership.objects.create(user=users[role], role=role, scope=Scope.REGION, region=store.region)
        else:
            users[role] = member(store, role, username=f"hostile-{role}")
    return users


@dataclass
class Foreign:
    """Another store's objects: their ids are the hostile ones, their snapshot must not move."""

    data: StoreA
    ids: dict[str, int]

    def snapshot(self):
        return self.data.snapshot()


def foreign_store(store) -> Foreign:
    """`store` filled like the tenancy walker's store A: customer, car, order, task, complaint, club, lounge."""
    specialist = member(store, Role.CARE_SPECIALIST, username="foreign-specialist")
    customer = CustomerFactory(store=store, name="外店客户", mobile="+8613900001111")
    contact = Contact.objects.create(customer=customer, role="driver", name="外店司机", phone="+8615900002222")
    vehicle = VehicleFactory(customer=customer, plate="粤B22222", vin=make_vin(555001))
    order = RepairOrderFactory(vehicle=vehicle, number="ROFOREIGN1")
    batch = ImportBatch.objects.create(store=store, created_by=specialist, filename="foreign.csv")
    templates_ensure_defaults(store=store)
    rules_ensure_defaults(store=store)
    rule = FollowUpRule.objects.get(store=store, kind=RuleKind.INSURANCE_RENEWAL)
    extra = _store_a_workflow(store, specialist, customer, vehicle, order)
    task = FollowUpTask.objects.filter(store=store).first()
    template = MessageTemplate.objects.filter(store=store).order_by("pk").first()
    data = StoreA(store, customer, contact, vehicle, order, batch, template, rule, task, (), extra)
    ids = {
        "customer": customer.pk,
        "contact": contact.pk,
        "vehicle": vehicle.pk,
        "order": order.pk,
        "batch": batch.pk,
        "template": template.pk,
        "rule": rule.pk,
        "task": task.pk,
        "store": store.pk,
        "user": specialist.pk,
        **{k: v for k, v in extra.items() if isinstance(v, int)},
    }
    return Foreign(data, ids)


def foreign_ids_for(name: str, foreign: Foreign) -> list[str]:
    """The foreign ids a field called `name` could be given: those whose kind the name mentions, else all."""
    lowered = name.lower()
    aliases = {
        "user": ("user", "owner", "assign", "specialist", "advisor", "caller", "to", "from"),
        "order": ("order", "ro"),
        "club_level": ("level",),
        "club_member": ("member",),
        "club_event": ("event",),
        "lounge_item": ("item",),
    }
    chosen = [
        str(pk)
        for kind, pk in foreign.ids.items()
        if any(word in lowered for word in aliases.get(kind, (kind,)))
    ]
    return chosen or sorted({str(pk) for pk in foreign.ids.values()})[:3]
