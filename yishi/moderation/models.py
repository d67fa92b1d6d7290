"""Moderation (内容审核) of what residents publish: the district's sensitive-word list, one
moderation item per published text, and the public's reports (举报)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yishi.core.models import Unit


class SensitiveWord(models.Model):
    """A word of the district's list (敏感词): a text holding it waits for a moderator even
    when the district lets clean texts through by themselves."""

    word = models.CharField(_("word"), max_length=50)
    # The word as texts are compared with it (text.normalize): one row per normalized word.
    normalized = models.CharField(max_length=50, unique=True, editable=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                 blank=True, related_name="+", verbose_name=_("added by"))
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("sensitive word (敏感词)")
        verbose_name_plural = _("sensitive words")
        ordering = ["normalized"]

    def __str__(self):
        return self.word


class ModerationState(models.TextChoices):
    PENDING = "pending", _("Waiting for moderation")
    APPROVED = "approved", _("Approved")
    EDITED = "edited", _("Edited and approved")
    HIDDEN = "hidden", _("Hidden")


PUBLISHED_STATES = (ModerationState.APPROVED, ModerationState.EDITED)


class ModerationItem(models.Model):
    """One published text (an opinion, a comment, an objection, …) and its moderation (审核):
    the original as the author wrote it, never changed, and the version the public sees."""

    content_type = models.ForeignKey(ContentType, models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    content = GenericForeignKey("content_type", "object_id")
    street = models.ForeignKey(Unit, models.PROTECT, related_name="moderation_items",
                               verbose_name=_("street"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                               blank=True, related_name="+", verbose_name=_("author"))
    # {field: text} as submitted, and as the public sees it once approved (masked, or edited).
    original = models.JSONField(_("original"), default=dict)
    public = models.JSONField(_("public version"), default=dict)
    words = models.JSONField(_("sensitive words found"), default=list, blank=True)
    personal = models.JSONField(_("personal data found"), default=list, blank=True)
    url = models.CharField(max_length=200, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=ModerationState.choices,
                             default=ModerationState.PENDING)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reports = models.PositiveIntegerField(_("reports"), default=0)
    created_at = models.DateTimeField(_("submitted"), default=timezone.now)

    class Meta:
        verbose_name = _("moderation item (审核事项)")
        verbose_name_plural = _("moderation items")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["content_type", "object_id"],
                                               name="moderation_one_item_per_text")]
        indexes = [models.Index(fields=["street", "state", "created_at"])]

    def __str__(self):
        return f"{self.content_type.name} #{self.object_id}"

    @property
    def kind(self) -> str:
        return str(self.content_type.model_class()._meta.verbose_name)

    @property
    def is_published(self) -> bool:
        return self.state in PUBLISHED_STATES


class Report(models.Model):
    """A public report (举报) on a published text. One per reporter and item: the reporter is
    the signed-in person, or a keyed hash of the visitor's address."""

    item = models.ForeignKey(ModerationItem, models.CASCADE, related_name="report_rows",
                             verbose_name=_("moderation item"))
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                 blank=True, related_name="+", verbose_name=_("reporter"))
    reporter_key = models.CharField(max_length=64, editable=False)
    reason = models.CharField(_("reason"), max_length=300)
    created_at = models.DateTimeField(_("reported"), default=timezone.now)

    class Meta:
        verbose_name = _("report (举报)")
        verbose_name_plural = _("reports")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["item", "reporter_key"],
                                               name="moderation_one_report_per_person")]

    def __str__(self):
        return f"{self.item} · {self.created_at:%Y-%m-%d}"
