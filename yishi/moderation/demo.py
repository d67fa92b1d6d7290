"""Demo moderation: the district's word list, and the texts the other apps' demos published
decided by a district moderator — all approved except a handful left in the queue and one
hidden with the reason its author reads. Loaded after the publishing apps (INSTALLED_APPS)."""

from django.db import transaction

from yishi.core.models import Role, RoleAssignment, Unit, UnitKind

from . import services
from .models import ModerationItem, ModerationState, SensitiveWord

WORDS = [
    ("代开发票", "广告"), ("办证", "广告"), ("网络赌场", "违法"), ("赌博", "违法"),
    ("毒品", "违法"), ("枪支弹药", "违法"), ("高利贷", "违法"), ("裸聊", "低俗"),
    ("傻逼", "辱骂"), ("去死", "辱骂"),
]
LEFT_PENDING = 4
HIDDEN_REASON = "内容与本街道公共事务无关，且含有对他人的人身攻击。"


def load(out) -> None:
    if SensitiveWord.objects.exists():
        return
    district = Unit.objects.filter(kind=UnitKind.DISTRICT).order_by("path").first()
    holder = (RoleAssignment.objects.active()
              .filter(role=Role.DISTRICT_STAFF, unit=district, user__is_active=True)
              .select_related("user").order_by("user__mobile").first())
    if holder is None:
        return
    moderator = holder.user
    with transaction.atomic():
        for word, note in WORDS:
            services.add_word(moderator, word, note)
        pending = list(ModerationItem.objects.filter(state=ModerationState.PENDING)
                       .select_related("street").order_by("-created_at", "-id"))
        # The newest few wait in their street's queue; one older text is hidden with a reason.
        waiting, rest = pending[:LEFT_PENDING], pending[LEFT_PENDING:]
        if rest:
            services.hide(moderator, rest[0], HIDDEN_REASON)
            rest = rest[1:]
        for item in rest:
            services.approve(moderator, item)
    out.write(f"Moderation: {len(WORDS)} words, {len(rest)} texts approved, "
              f"{len(waiting)} waiting")
