from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from huifang.accounts.models import Store

from . import defaults
from .choices import (
    ActivityState,
    Channel,
    ContactRole,
    CustomerKind,
    CustomerSource,
    Gender,
    ImportRowOutcome,
    ImportStatus,
    LineKind,
    MileageSource,
    RepairOrderType,
)


class ArchivePolicy(models.Model):
    """Per-store archive rules (maintenance interval, dormant/lost thresholds), seeded with defaults."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="archive_policy")
    maintenance_interval_km = models.PositiveIntegerField(
        _("maintenance interval (km)"), default=defaults.MAINTENANCE_INTERVAL_KM
    )
    maintenance_interval_months = models.PositiveSmallIntegerField(
        _("maintenance interval (months)"), default=defaults.MAINTENANCE_INTERVAL_MONTHS
    )
    dormant_after_months = models.PositiveSmallIntegerField(
        _("dormant after (months without visit)"), default=defaults.DORMANT_AFTER_MONTHS
    )
    lost_after_months = models.PositiveSmallIntegerField(
        _("lost after (months without visit)"), default=defaults.LOST_AFTER_MONTHS
    )
    first_service_lost_months = models.PositiveSmallIntegerField(
        _("first service lost after (months without a first service)"), default=defaults.FIRST_SERVICE_LOST_MONTHS
    )
    high_amount_rmb = models.DecimalField(
        _("high-amount order (RMB)"), max_digits=12, decimal_places=2, default=defaults.HIGH_AMOUNT_RMB
    )
    sensitive_occupation_words = models.TextField(
        _("sensitive occupation words (comma separated)"), default=defaults.SENSITIVE_OCCUPATION_WORDS
    )

    class Meta:
        verbose_name = _("archive policy")
        verbose_name_plural = _("archive policies")

    def __str__(self) -> str:
        return f"{self.store} archive policy"


class Customer(models.Model):
    """Customer (顾客档案): an individual owner or a company with fleet cars."""

    # No index of its own: the (store, …) indexes below lead with it (one index less to fill on every import).
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="customers", db_index=False)
    dms_code = models.CharField(_("DMS customer code"), max_length=64, blank=True)
    kind = models.CharField(_("type"), max_length=12, choices=CustomerKind.choices, default=CustomerKind.INDIVIDUAL)
    name = models.CharField(_("name"), max_length=100)
    name_pinyin = models.CharField(max_length=300, blank=True, editable=False)
    name_initials = models.CharField(max_length=100, blank=True, editable=False)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True, default="")
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    birthday_is_lunar = models.BooleanField(_("lunar birthday"), default=False)
    id_number = models.CharField(_("ID / credit code"), max_length=32, blank=True)
    occupation = models.CharField(_("occupation / industry"), max_length=100, blank=True)
    sensitive_occupation = models.BooleanField(_("sensitive occupation"), default=False)
    level = models.CharField(_("customer level"), max_length=30, blank=True)
    category = models.CharField(_("customer category"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    home_phone = models.CharField(_("home phone"), max_length=20, blank=True)
    office_phone = models.CharField(_("office phone"), max_length=20, blank=True)
    # Kept from the DMS although the phone library does not know the number's range (issue 14): callable, marked.
    mobile_unverified = models.BooleanField(_("mobile on an unknown range"), default=False)
    home_phone_unverified = models.BooleanField(_("home phone on an unknown range"), default=False)
    office_phone_unverified = models.BooleanField(_("office phone on an unknown range"), default=False)
    phone_digits = models.CharField(max_length=200, blank=True, editable=False, db_index=True)
    preferred_channel = models.CharField(_("preferred channel"), max_length=10, choices=Channel.choices, blank=True)
    best_contact_time = models.CharField(_("best contact time"), max_length=100, blank=True)
    language = models.CharField(_("language / dialect"), max_length=30, blank=True)
    marketing_consent = models.BooleanField(_("accepts marketing messages"), default=False)
    source = models.CharField(_("source"), max_length=10, choices=CustomerSource.choices, blank=True)
    club_level = models.CharField(_("car club level"), max_length=30, blank=True)
    first_visit_at = models.DateTimeField(_("first visit"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(
                fields=["store", "dms_code"], condition=~models.Q(dms_code=""), name="customer_unique_dms_code"
            )
        ]
        indexes = [
            models.Index(fields=["store", "name"]),
            models.Index(fields=["store", "name_initials"]),
            models.Index(fields=["store", "mobile"]),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A company-car contact (seed 000): the driver, the fleet manager or the decision maker."""

    # Served by the (customer, role, name) unique constraint's index.
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts", db_index=False)
    role = models.CharField(_("role"), max_length=20, choices=ContactRole.choices)
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    phone_unverified = models.BooleanField(_("phone on an unknown range"), default=False)
    extension = models.CharField(_("extension"), max_length=10, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [models.UniqueConstraint(fields=["customer", "role", "name"], name="contact_unique_role_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"

    @property
    def store_id(self):
        return self.customer.store_id


class Vehicle(models.Model):
    """A vehicle in the archive, with figures derived from its repair orders and mileage readings."""

    # Served by the (store, vin) unique constraint's index.
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="vehicles", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="vehicles")
    vin = models.CharField(_("VIN"), max_length=17)
    plate = models.CharField(_("plate"), max_length=10, blank=True, db_index=True)
    brand = models.CharField(_("brand"), max_length=50, blank=True)
    model = models.CharField(_("model"), max_length=50, blank=True)
    trim = models.CharField(_("trim"), max_length=100, blank=True)
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    warranty_end_date = models.DateField(_("warranty end"), null=True, blank=True)
    warranty_end_km = models.PositiveIntegerField(_("warranty end (km)"), null=True, blank=True)
    insurance_expiry = models.DateField(_("insurance expiry"), null=True, blank=True)
    inspection_due = models.DateField(_("annual inspection due"), null=True, blank=True)
    licence_due = models.DateField(_("licence renewal due"), null=True, blank=True)
    # Derived by archive.services.vehicle_figures_refresh (set-based), never typed in.
    last_visit_at = models.DateTimeField(_("last visit"), null=True, blank=True, editable=False)
    last_maintenance_at = models.DateTimeField(_("last maintenance"), null=True, blank=True, editable=False)
    last_maintenance_km = models.PositiveIntegerField(
        _("km at last maintenance"), null=True, blank=True, editable=False
    )
    current_km = models.PositiveIntegerField(_("latest mileage"), null=True, blank=True, editable=False)
    avg_km_per_day = models.FloatField(_("average km per day"), null=True, blank=True, editable=False)
    avg_days_between_maintenance = models.FloatField(
        _("average days between maintenance"), null=True, blank=True, editable=False
    )
    next_maintenance_date = models.DateField(_("predicted next maintenance"), null=True, blank=True, editable=False)
    next_maintenance_km = models.PositiveIntegerField(
        _("next maintenance at (km)"), null=True, blank=True, editable=False
    )
    visits_12m = models.PositiveSmallIntegerField(_("visits in last 12 months"), default=0, editable=False)
    activity = models.CharField(
        _("activity"), max_length=10, choices=ActivityState.choices, default=ActivityState.ACTIVE, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        constraints = [models.UniqueConstraint(fields=["store", "vin"], name="vehicle_unique_vin")]
        indexes = [models.Index(fields=["store", "next_maintenance_date"]), models.Index(fields=["store", "activity"])]

    def __str__(self) -> str:
        return self.plate or self.vin

    @property
    def is_lost(self) -> bool:
        return self.activity == ActivityState.LOST


class VehicleOwnership(models.Model):
    """Owner history: who owned the vehicle from when to when."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="ownerships")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="ownerships")
    since = models.DateField(_("since"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("ownership")
        verbose_name_plural = _("ownerships")
        ordering = ["since"]

    def __str__(self) -> str:
        return f"{self.vehicle} · {self.customer}"


class MileageReading(models.Model):
    """An odometer reading on a day, from a repair order, a delivery, a call or by hand."""

    # Served by the (vehicle, read_on, km) unique constraint's index.
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="mileage_readings", db_index=False)
    read_on = models.DateField(_("date"))
    km = models.PositiveIntegerField(_("km"))
    source = models.CharField(_("source"), max_length=15, choices=MileageSource.choices)

    class Meta:
        verbose_name = _("mileage reading")
        verbose_name_plural = _("mileage readings")
        constraints = [models.UniqueConstraint(fields=["vehicle", "read_on", "km"], name="mileage_unique_reading")]
        ordering = ["read_on"]

    def __str__(self) -> str:
        return f"{self.read_on} {self.km} km"


class RepairOrder(models.Model):
    """Repair order (工单/委托书) of one visit, with its labour and parts lines."""

    # store and vehicle have no index of their own: (store, number), (store, opened_at) and (vehicle, opened_at)
    # lead with them, and every index is one more to fill for each imported order.
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="repair_orders", db_index=False)
    number = models.CharField(_("RO number"), max_length=64)
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="repair_orders", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="repair_orders")
    ro_type = models.CharField(_("type"), max_length=15, choices=RepairOrderType.choices)
    opened_at = models.DateTimeField(_("opened"))
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    mileage_in = models.PositiveIntegerField(_("mileage in (km)"), null=True, blank=True)
    advisor_name = models.CharField(_("service advisor"), max_length=50, blank=True)
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="advised_orders"
    )
    technician_name = models.CharField(_("technician"), max_length=50, blank=True)
    labour_amount = models.DecimalField(_("labour (RMB)"), max_digits=12, decimal_places=2, default=0)
    parts_amount = models.DecimalField(_("parts (RMB)"), max_digits=12, decimal_places=2, default=0)
    total_amount = models.DecimalField(_("total (RMB)"), max_digits=12, decimal_places=2, default=0)
    fault_description = models.TextField(_("fault / customer request"), blank=True)
    is_repeat_repair = models.BooleanField(_("repeat repair"), default=False)
    is_appointment = models.BooleanField(_("by appointment"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("repair order")
        verbose_name_plural = _("repair orders")
        constraints = [models.UniqueConstraint(fields=["store", "number"], name="repair_order_unique_number")]
        indexes = [
            models.Index(fields=["vehicle", "opened_at"]),
            models.Index(fields=["store", "delivered_at"]),
            models.Index(fields=["store", "opened_at"]),
        ]

    def __str__(self) -> str:
        return self.number


class RepairOrderLine(models.Model):
    """A labour item or part on a repair order."""

    repair_order = models.ForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=LineKind.choices, default=LineKind.LABOUR)
    code = models.CharField(_("code"), max_length=64, blank=True)
    description = models.CharField(_("description"), max_length=255)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2, default=1)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2, default=0)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("repair order line")
        verbose_name_plural = _("repair order lines")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description


class ImportMapping(models.Model):
    """A store's saved column mapping for its DMS export: header text -> canonical field name."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="import_mappings")
    name = models.CharField(_("name"), max_length=100, default="default")
    columns = models.JSONField(_("columns"), default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("import column mapping")
        verbose_name_plural = _("import column mappings")
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="import_mapping_unique_name")]

    def __str__(self) -> str:
        return f"{self.store} · {self.name}"


class ImportBatch(models.Model):
    """One DMS import run (or dry run): its file, counts and rejected rows."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="import_batches")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    filename = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    rows_warned = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    ignored_columns = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The process running the import and its last sign of life: a batch whose process is gone is failed
    # by importing.services.import_batches_reap instead of staying "running" for good.
    worker_host = models.CharField(max_length=255, blank=True)
    worker_pid = models.PositiveIntegerField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.filename}"


class ImportRejection(models.Model):
    """A line of the import's per-row report: a row refused (error), kept with a warning, or skipped."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rejections")
    severity = models.CharField(
        _("row outcome"), max_length=10, choices=ImportRowOutcome.choices, default=ImportRowOutcome.ERROR
    )
    sheet = models.CharField(max_length=100, blank=True)
    row_number = models.PositiveIntegerField(_("row"))
    field = models.CharField(_("field"), max_length=100, blank=True)
    value = models.CharField(_("value"), max_length=255, blank=True)
    reason = models.CharField(_("reason"), max_length=500)

    class Meta:
        verbose_name = _("rejected row")
        verbose_name_plural = _("rejected rows")
        ordering = ["sheet", "row_number", "id"]

    def __str__(self) -> str:
        return f"row {self.row_number}: {self.reason}"


class ImportPolicy(models.Model):
    """Per-store limits of a DMS import (issue 16 §1), seeded with the defaults of archive.defaults."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="import_policy")
    max_unpacked_mb = models.PositiveIntegerField(_("max unpacked size (MB)"), default=defaults.IMPORT_MAX_UNPACKED_MB)
    max_compression_ratio = models.PositiveIntegerField(
        _("max compression ratio"), default=defaults.IMPORT_MAX_COMPRESSION_RATIO
    )
    max_rows = models.PositiveIntegerField(_("max rows"), default=defaults.IMPORT_MAX_ROWS)
    max_columns = models.PositiveIntegerField(_("max columns"), default=defaults.IMPORT_MAX_COLUMNS)
    max_cell_chars = models.PositiveIntegerField(
        _("max cell length (characters)"), default=defaults.IMPORT_MAX_CELL_CHARS
    )

    class Meta:
        verbose_name = _("import limits")
        verbose_name_plural = _("import limits")

    def __str__(self) -> str:
        return f"{self.store} import limits"


class ErasedIdentity(models.Model):
    """A keyed digest of an erased customer's DMS code, ID number or mobile + name (PIPL): the DMS keeps
    exporting them, and the next import must not bring the customer back. Only the digest is kept."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=12)
    digest = models.CharField(max_length=64)
    erased_at = models.DateTimeField(_("erased"))

    class Meta:
        verbose_name = _("erased identity")
        verbose_name_plural = _("erased identities")
        constraints = [
            models.UniqueConstraint(fields=["store", "kind", "digest"], name="erased_identity_unique_digest")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.digest[:12]}…"
