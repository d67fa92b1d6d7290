"""Deputies and liaison stations (人大代表联络站). The foundation holds the stations the demo
needs; schedules, receptions and duty registration come with the deputies issue."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from yishi.core.models import Unit


class StationKind(models.TextChoices):
    STREET = "street", _("Street station")
    THEMED = "themed", _("Themed station")


class LiaisonStation(models.Model):
    """A place (and online room) where deputies meet residents (代表联络站)."""

    unit = models.ForeignKey(
        Unit, models.PROTECT, related_name="liaison_stations", verbose_name=_("street")
    )
    code = models.SlugField(_("code"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=StationKind.choices)
    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    theme = models.CharField(_("theme"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("liaison station (代表联络站)")
        verbose_name_plural = _("liaison stations")
        ordering = ["unit__path", "kind", "name"]

    def __str__(self) -> str:
        if get_language() and not get_language().startswith("zh") and self.name_en:
            return self.name_en
        return self.name
