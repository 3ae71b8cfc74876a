from django.db import models
from django.utils.translation import gettext_lazy as _

from huifang.accounts.models import Store, User


class BoardScreen(models.Model):
    """A TV or monitor in the care area that shows the store's team board (团队看板) without a login.

    Pairing gives the screen a long-lived signed cookie holding the screen's id and a random secret; only the
    secret's hash is stored, so revoking (or pairing again) clears or changes it and the old cookie stops working.
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="board_screens")
    name = models.CharField(_("screen name"), max_length=60)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"))
    # The one-time pairing code (hash only) and until when it may be used; cleared once a screen pairs with it.
    pairing_code_hash = models.CharField(max_length=64, blank=True, db_index=True)
    pairing_expires_at = models.DateTimeField(null=True, blank=True)
    # Who issued the code: they pair the screen, since the TV itself has no user.
    code_issued_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    paired_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("paired by")
    )
    paired_at = models.DateTimeField(_("paired at"), null=True, blank=True)
    # SHA-256 of the secret in the screen's cookie; empty while unpaired or once revoked.
    secret_hash = models.CharField(max_length=64, blank=True)
    # Counts pairings, so the audit trail tells one pairing from the next.
    token_version = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("revoked by")
    )
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)

    class Meta:
        verbose_name = _("board screen")
        verbose_name_plural = _("board screens")
        ordering = ("store", "name", "pk")

    def __str__(self) -> str:
        return f"{self.store} · {self.name}"
