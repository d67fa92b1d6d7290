"""Hand-off to outside case systems (对接外部办理系统: 四个平台, 12345, 民呼我为): a street connects
one of its departments to the system where that department actually works; opinions assigned to
the department are sent there (CaseDelivery) and the outside system reports back (CaseReport).
The behaviour lives in handoff.py; docs/opinions.md describes payloads and signatures."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yishi.core.models import Department, Unit


class CaseSystemKind(models.TextChoices):
    FOUR_PLATFORMS = "four_platforms", _("“Four platforms” (四个平台)")
    HOTLINE = "hotline_12345", _("12345 hotline")
    MINHU = "minhu", _("“Listening to the people” (民呼我为)")
    OTHER = "other", _("Other case system")


class CaseSystemConnection(models.Model):
    """A department's connection to an outside case system (外部办理系统对接). The secret signs
    both directions; it is stored sealed (the outgoing signature needs it back) and shown once."""

    # The public identifier in the callback address; never the secret.
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    street = models.ForeignKey(Unit, models.PROTECT, related_name="case_systems",
                               verbose_name=_("street"))
    department = models.ForeignKey(Department, models.PROTECT, related_name="case_systems",
                                   verbose_name=_("department"))
    # Reports from the outside system are taken in this handler's name, through the same
    # services and permission rules as if the handler had clicked (docs/opinions.md).
    account = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                verbose_name=_("department's account"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=CaseSystemKind.choices)
    endpoint_url = models.URLField(_("address that receives opinions"), max_length=500)
    sealed_secret = models.TextField(editable=False)
    may_receive_mobile = models.BooleanField(_("may receive the resident's number"),
                                             default=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("created by"))

    class Meta:
        verbose_name = _("case system connection (外部办理系统对接)")
        verbose_name_plural = _("case system connections")
        ordering = ["street__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["department"], condition=Q(active=True),
                                    name="one_active_case_system_per_department"),
        ]

    def __str__(self) -> str:
        return self.name


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class CaseDelivery(models.Model):
    """One opinion sent to an outside case system (推送记录), retried until acknowledged. Its
    key is the idempotency key the receiver sees on every attempt."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    connection = models.ForeignKey(CaseSystemConnection, models.PROTECT,
                                   related_name="deliveries", verbose_name=_("connection"))
    opinion = models.ForeignKey("opinions.Opinion", models.CASCADE,
                                related_name="case_deliveries", verbose_name=_("opinion"))
    assignment = models.ForeignKey("opinions.Assignment", models.CASCADE,
                                   related_name="case_deliveries", verbose_name=_("assignment"))
    state = models.CharField(_("state"), max_length=12, choices=DeliveryState.choices,
                             default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    external_id = models.CharField(_("case number in the outside system"), max_length=64,
                                   blank=True)
    external_status = models.CharField(_("last report"), max_length=12, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("case delivery (推送记录)")
        verbose_name_plural = _("case deliveries")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "connection"],
                                    name="one_delivery_per_assignment"),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.opinion_id} → {self.connection}"


class ReportStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted by the outside system")
    HANDLING = "handling", _("Being handled in the outside system")
    REPLIED = "replied", _("Replied in the outside system")
    CLOSED = "closed", _("Closed in the outside system")


class CaseReport(models.Model):
    """A report from the outside system (回报), kept once per idempotency key: a duplicate or
    replayed report finds its key taken and changes nothing."""

    connection = models.ForeignKey(CaseSystemConnection, models.PROTECT, related_name="reports",
                                   verbose_name=_("connection"))
    delivery = models.ForeignKey(CaseDelivery, models.CASCADE, related_name="reports",
                                 verbose_name=_("delivery"))
    idempotency_key = models.CharField(_("idempotency key"), max_length=64)
    status = models.CharField(_("report"), max_length=12, choices=ReportStatus.choices)
    text = models.TextField(_("text"), blank=True)
    # Whether it moved the opinion, or arrived after the opinion had gone past it.
    applied = models.BooleanField(_("applied"), default=False)
    received_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        verbose_name = _("case report (回报)")
        verbose_name_plural = _("case reports")
        ordering = ["received_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "idempotency_key"],
                                    name="case_report_once_per_key"),
        ]

    def __str__(self) -> str:
        return f"{self.connection} {self.status}"


class RefusedCallback(models.Model):
    """A callback refused before it could touch anything (bad signature, stale timestamp,
    unknown connection) or refused by the loop: kept for the street's staff and operators."""

    connection = models.ForeignKey(CaseSystemConnection, models.CASCADE, null=True, blank=True,
                                   related_name="refused_callbacks",
                                   verbose_name=_("connection"))
    reason = models.CharField(_("reason"), max_length=300)
    remote_addr = models.CharField(_("from"), max_length=64, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        verbose_name = _("refused callback")
        verbose_name_plural = _("refused callbacks")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return self.reason
