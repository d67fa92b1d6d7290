"""The "886" rules library (制度库): the district's 8 rules (制度), 8 documents (文件) and 6
long-term mechanisms (机制) as versioned texts. An amendment never overwrites a text: it is a
new version with its own effective date and note, so any two versions can be compared."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RuleGroup(models.TextChoices):
    RULE = "rule", _("Rule (制度)")
    DOCUMENT = "document", _("Document (文件)")
    MECHANISM = "mechanism", _("Mechanism (机制)")


class Rule(models.Model):
    """One entry of the rules library (制度文件): its current text is its latest version."""

    key = models.SlugField(_("stable key"), max_length=64, unique=True,
                           help_text=_("Used in addresses and by other modules' pages."))
    group = models.CharField(_("group"), max_length=16, choices=RuleGroup.choices)
    title = models.CharField(_("title"), max_length=200)
    issuing_body = models.CharField(_("issuing body"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    # Space-padded module keys (" finance.budget_review councils "): the pages this rule governs.
    governs = models.CharField(_("governs the modules"), max_length=300, blank=True)
    # Demo entries are written for the demo: every page says so, never presented as official.
    is_demo_text = models.BooleanField(_("demo text"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    # jieba words of the title, summary and current text, space-padded (see rules.reindex).
    search_tokens = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = _("rule (制度文件)")
        verbose_name_plural = _("rules library")
        ordering = ["group", "sort_order", "id"]

    def __str__(self) -> str:
        return self.title


class RuleVersion(models.Model):
    """A version of a rule's text (版本): the first as issued, each amendment (修订) a new one."""

    rule = models.ForeignKey(Rule, models.CASCADE, related_name="versions",
                             verbose_name=_("rule"))
    number = models.PositiveSmallIntegerField(_("version"))
    effective_on = models.DateField(_("effective from"))
    note = models.TextField(_("amendment note"), blank=True)
    text = models.TextField(_("text"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+", verbose_name=_("entered by"))
    created_at = models.DateTimeField(_("entered at"), default=timezone.now)

    class Meta:
        verbose_name = _("rule version (版本)")
        verbose_name_plural = _("rule versions")
        ordering = ["rule", "number"]
        constraints = [models.UniqueConstraint(fields=["rule", "number"],
                                               name="oversight_rule_version_unique")]

    def __str__(self) -> str:
        return f"{self.rule.title} v{self.number}"
