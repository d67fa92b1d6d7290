"""Service guarantee (服务保障): a street asks the district for support — funding, staff,
premises or training — and the request is answered and tracked like an assignment in the other
direction."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yishi.core.models import Unit


class SupportKind(models.TextChoices):
    FUNDING = "funding", _("Funding (经费)")
    STAFF = "staff", _("Staff (人员)")
    PREMISES = "premises", _("Premises (场地)")
    TRAINING = "training", _("Training (培训)")


class SupportState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted (已提出)")
    ACCEPTED = "accepted", _("Accepted, in hand (已受理)")
    ANSWERED = "answered", _("Answered (已答复)")
    CLOSED = "closed", _("Closed (已办结)")
    DECLINED = "declined", _("Not supported (不予支持)")


class SupportAction(models.TextChoices):
    SUBMIT = "submit", _("Asked for support")
    ACCEPT = "accept", _("Accepted by the district")
    DECLINE = "decline", _("Not supported")
    ANSWER = "answer", _("Answered")
    REOPEN = "reopen", _("Not resolved: asked again")
    CLOSE = "close", _("Closed as resolved")
    OVERDUE = "overdue", _("Past the answer date: the district was reminded")


class SupportRequest(models.Model):
    """A street's request for support (服务保障需求), answered by the district within a number of
    working days."""

    street = models.ForeignKey(Unit, models.PROTECT, related_name="support_requests",
                               verbose_name=_("street"))
    kind = models.CharField(_("kind of support"), max_length=16, choices=SupportKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what is needed and why"))
    amount = models.DecimalField(_("amount asked (yuan)"), max_digits=12, decimal_places=2,
                                 null=True, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=SupportState.choices,
                             default=SupportState.SUBMITTED)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    answer_by = models.DateTimeField(_("to be answered by"))
    answer = models.TextField(_("the district's answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Set by the one worker that tells the district the answer date has passed (once).
    overdue_notified_at = models.DateTimeField(_("district reminded at"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                     related_name="+", verbose_name=_("submitted by"))

    class Meta:
        verbose_name = _("support request (服务保障需求)")
        verbose_name_plural = _("support requests")
        ordering = ["-submitted_at", "-id"]
        constraints = [models.CheckConstraint(
            condition=models.Q(amount__isnull=True) | models.Q(amount__gt=0),
            name="oversight_support_amount_positive")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return (self.state in (SupportState.SUBMITTED, SupportState.ACCEPTED)
                and self.answer_by < timezone.now())


class SupportEvent(models.Model):
    """The request's timeline (办理记录)."""

    request = models.ForeignKey(SupportRequest, models.CASCADE, related_name="events",
                                verbose_name=_("request"))
    action = models.CharField(_("action"), max_length=32, choices=SupportAction.choices)
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                              related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("support request event")
        verbose_name_plural = _("support request events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d}"
