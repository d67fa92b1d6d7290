"""Core data: administrative units, people and their roles, the audit trail, notifications,
attachments. Core knows nothing of the other apps."""

import re

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
mobile_validator = RegexValidator(
    MOBILE_RE, _("Enter a mainland China mobile number: 11 digits starting with 1.")
)


def normalize_mobile(value: str) -> str:
    """Accept the ways people type a number (spaces, dashes, +86) and keep the 11 digits."""
    digits = re.sub(r"[\s\-()]", "", value or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


def mask_mobile(value: str) -> str:
    """138****5678: what every public page and export shows of a number (PIPL)."""
    if not value or len(value) < 7:
        return "****"
    return f"{value[:3]}****{value[-4:]}"


class UnitKind(models.TextChoices):
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    TOWN = "town", _("Town")
    COMMUNITY = "community", _("Community")


class Unit(models.Model):
    """An administrative unit (行政区划单位): district → street / town → community.

    `path` is the chain of codes from the district down ("330106/330106001/330106001001/"),
    so "is this unit inside that one" is a prefix test that needs no recursion."""

    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices)
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=64)
    name_en = models.CharField(_("name (English)"), max_length=128, blank=True)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("parent unit"),
    )
    path = models.CharField(max_length=255, unique=True, editable=False)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    description = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    population = models.PositiveIntegerField(_("resident population"), null=True, blank=True)
    area_km2 = models.DecimalField(
        _("area (km²)"), max_digits=8, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("administrative unit (行政区划)")
        verbose_name_plural = _("administrative units")
        ordering = ["path"]
        indexes = [models.Index(fields=["kind", "sort_order"])]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs):
        self.path = (self.parent.path if self.parent_id else "") + f"{self.code}/"
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        if get_language() and not get_language().startswith("zh") and self.name_en:
            return self.name_en
        return self.name

    @property
    def display_description(self) -> str:
        if get_language() and not get_language().startswith("zh") and self.description_en:
            return self.description_en
        return self.description

    def clean(self):
        allowed_parent = {
            UnitKind.DISTRICT: None,
            UnitKind.STREET: UnitKind.DISTRICT,
            UnitKind.TOWN: UnitKind.DISTRICT,
            UnitKind.COMMUNITY: (UnitKind.STREET, UnitKind.TOWN),
        }[self.kind]
        parent_kind = self.parent.kind if self.parent_id else None
        ok = parent_kind in allowed_parent if isinstance(allowed_parent, tuple) else (
            parent_kind == allowed_parent
        )
        if not ok:
            raise ValidationError({"parent": _("This kind of unit cannot sit under that parent.")})

    def contains(self, other: "Unit") -> bool:
        return other.path.startswith(self.path)




class DepartmentKind(models.TextChoices):
    OFFICE = "office", _("Street office (街道科室)")
    PLATFORM = "platform", _("\"Four platforms\" (四个平台)")


class Department(models.Model):
    """A department of a street (街道科室) or one of its "four platforms" (四个平台)."""

    street = models.ForeignKey(
        Unit, models.PROTECT, related_name="departments", verbose_name=_("street"),
        limit_choices_to={"kind__in": [UnitKind.STREET, UnitKind.TOWN]},
    )
    kind = models.CharField(_("kind"), max_length=16, choices=DepartmentKind.choices)
    name = models.CharField(_("name (Chinese)"), max_length=64)
    name_en = models.CharField(_("name (English)"), max_length=128, blank=True)
    duties = models.TextField(_("duties"), blank=True)

    class Meta:
        verbose_name = _("department (街道科室)")
        verbose_name_plural = _("departments")
        ordering = ["street__path", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["street", "name"], name="department_unique_name")
        ]

    def __str__(self) -> str:
        if get_language() and not get_language().startswith("zh") and self.name_en:
            return self.name_en
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, mobile, password=None, **extra):
        mobile = normalize_mobile(mobile)
        user = self.model(mobile=mobile, **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, mobile, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("name", "系统管理员")
        return self.create_user(mobile, password, **extra)


class TextSize(models.TextChoices):
    NORMAL = "normal", _("Standard text")
    LARGE = "large", _("Large text")


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account (用户). Logs in with a mobile number: residents with a one-time
    code, staff with a password and a TOTP second factor."""

    mobile = models.CharField(
        _("mobile number"), max_length=11, unique=True, validators=[mobile_validator]
    )
    name = models.CharField(_("name"), max_length=64)
    email = models.EmailField(_("email"), blank=True)
    home_unit = models.ForeignKey(
        Unit, models.SET_NULL, null=True, blank=True, related_name="residents",
        verbose_name=_("community of residence"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("may use the admin site"), default=False,
        help_text=_("Only system administrators need this."),
    )
    is_demo = models.BooleanField(_("demo account"), default=False)
    verified_at = models.DateTimeField(_("residence verified at"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    text_size = models.CharField(
        _("text size"), max_length=10, choices=TextSize.choices, default=TextSize.NORMAL
    )
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "mobile"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("user (用户)")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return f"{self.name} ({self.masked_mobile})"

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name


class Role(models.TextChoices):
    """The roles of MISSION.md; each is held in one unit (scope)."""

    DISTRICT_STAFF = "district_staff", _("District staff (区人大常委会)")
    STREET_STAFF = "street_staff", _("Street committee staff (人大街道工委)")
    DEPUTY = "deputy", _("Deputy (人大代表)")
    COUNCIL_MEMBER = "council_member", _("Council member (议事会成员)")
    DEPARTMENT_HANDLER = "department_handler", _("Department handler (街道科室)")
    EXPERT = "expert", _("Expert (专家)")
    RESIDENT = "resident", _("Resident (居民)")
    SYSADMIN = "sysadmin", _("System administrator (系统管理员)")
    FINANCE_STAFF = "finance_staff", _("Street finance staff (街道财政人员)")


# Roles that work inside the platform's back office: they sign in with a password and must
# use a second factor.
STAFF_ROLES = frozenset(
    {Role.DISTRICT_STAFF, Role.STREET_STAFF, Role.DEPARTMENT_HANDLER, Role.SYSADMIN,
     Role.FINANCE_STAFF}
)


class RoleAssignmentQuerySet(models.QuerySet):
    def active(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(starts_on__lte=on), Q(ends_on__isnull=True) | Q(ends_on__gte=on))

    def covering(self, role, unit, on=None):
        """Assignments of `role` in force on `on` held by active people in `unit` or a unit above
        it (a role covers its unit and everything under it)."""
        return self.active(on).filter(role=role, unit__path__in=ancestor_paths(unit.path),
                                      user__is_active=True)


def ancestor_paths(path: str) -> list[str]:
    """"a/b/c/" → ["a/", "a/b/", "a/b/c/"]: the unit's own path and those of the units above."""
    codes = [code for code in path.split("/") if code]
    return ["/".join(codes[:n]) + "/" for n in range(1, len(codes) + 1)]


class RoleAssignment(models.Model):
    """A role held by a person in a unit (角色任职): street staff of 西溪, a deputy of 翠苑, …"""

    user = models.ForeignKey(
        User, models.CASCADE, related_name="role_assignments", verbose_name=_("person")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, models.PROTECT, related_name="role_assignments", verbose_name=_("unit")
    )
    department = models.ForeignKey(
        Department, models.PROTECT, null=True, blank=True, related_name="handlers",
        verbose_name=_("department"),
    )
    starts_on = models.DateField(_("from"), default=timezone.localdate)
    ends_on = models.DateField(_("until"), null=True, blank=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("role assignment (角色任职)")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "unit"], condition=Q(ends_on__isnull=True),
                name="role_assignment_unique_open",
            ),
            models.CheckConstraint(
                condition=Q(role="department_handler", department__isnull=False)
                | (~Q(role="department_handler") & Q(department__isnull=True)),
                name="role_assignment_department_iff_handler",
            ),
        ]
        indexes = [models.Index(fields=["role", "unit"])]

    def __str__(self) -> str:
        return f"{self.user.name}: {self.get_role_display()} @ {self.unit}"


class LoginThrottle(models.Model):
    """Failed sign-in attempts counted against one key — a number from one source address, a
    number from anywhere, a source address, a person's authenticator — and the lock a full count
    puts on it (see yishi.core.signin)."""

    key = models.CharField(max_length=96, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_start = models.DateTimeField(null=True)
    locked_until = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("sign-in throttle")
        verbose_name_plural = _("sign-in throttles")

    def __str__(self) -> str:
        kind, _sep, rest = self.key.partition(":")
        return f"{kind}:{mask_mobile(rest[:11])}" if kind in ("n", "n+s") else kind


class PendingText(models.Model):
    """A text message with a secret in it (a verification code) waiting for the task worker
    (待发短信). The text is stored encrypted (Fernet, key derived from SECRET_KEY) and the row is
    deleted once sent or expired; the task carries only this row's id."""

    mobile = models.CharField(max_length=11)
    sealed_text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("pending text message")
        verbose_name_plural = _("pending text messages")

    def __str__(self) -> str:
        return mask_mobile(self.mobile)


class CodePurpose(models.TextChoices):
    LOGIN = "login", _("sign in")
    SIGNUP = "signup", _("sign up")


class OneTimeCode(models.Model):
    """An SMS verification code (短信验证码); only its keyed hash is stored."""

    mobile = models.CharField(max_length=11, db_index=True)
    purpose = models.CharField(max_length=16, choices=CodePurpose.choices)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        indexes = [models.Index(fields=["mobile", "purpose", "created_at"])]

    def __str__(self) -> str:
        return f"{mask_mobile(self.mobile)} {self.purpose}"


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The audit trail is append-only.")

    def delete(self):
        raise TypeError("The audit trail is append-only.")


class AuditRecord(models.Model):
    """One entry of the append-only, hash-chained audit trail (审计日志).

    The actor is kept as id and label, not as a foreign key: deleting a person's account
    (PIPL) must not rewrite history."""

    seq = models.PositiveBigIntegerField(_("sequence"), unique=True)
    created_at = models.DateTimeField(_("time"))
    actor_id = models.BigIntegerField(_("actor id"), null=True)
    actor_label = models.CharField(_("actor"), max_length=128)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=255)
    unit_path = models.CharField(_("unit"), max_length=255, blank=True, db_index=True)
    before = models.JSONField(_("before"), null=True)
    after = models.JSONField(_("after"), null=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit record (审计记录)")
        verbose_name_plural = _("audit records")
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action_label} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The audit trail is append-only.")

    @property
    def action_label(self) -> str:
        """The action in words, in the active language (yishi/core/audit_labels.py)."""
        from .audit_labels import label

        return label(self.action)


class AuditChainHead(models.Model):
    """The single row that holds the chain's tip; locking it serialises appends."""

    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"#{self.last_seq}"


class AuditCheckpoint(models.Model):
    """A signed statement of the audit chain's head at one time (审计检查点), published every
    period on a public page and in an append-only file outside the database. Whoever keeps a copy
    can later prove the chain was rewritten: a rewritten chain no longer holds the published hash
    at that sequence, or is shorter (`manage.py verify_audit --checkpoints`)."""

    period = models.BigIntegerField(_("period"), unique=True)  # one per period, across workers
    seq = models.PositiveBigIntegerField(_("sequence"))
    hash = models.CharField(_("hash"), max_length=64)
    created_at = models.DateTimeField(_("time"))
    signature = models.CharField(_("signature"), max_length=128)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit checkpoint (审计检查点)")
        verbose_name_plural = _("audit checkpoints")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Published checkpoints are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Published checkpoints are append-only.")


class NoticeKind(models.TextChoices):
    """What a notice is about (通知类别): a person chooses the channels for each kind."""

    OPINION = "opinion", _("Opinions and replies")
    RECEPTION = "reception", _("Receptions by deputies")
    BALLOT = "ballot", _("Ballots")
    PROJECT = "project", _("Livelihood projects")
    COUNCIL = "council", _("Councils and meetings")
    OTHER = "other", _("Other notices")


class TextStatus(models.TextChoices):
    """Where the text message (短信) of one notification stands."""

    NONE = "", _("not by text message")
    PENDING = "pending", _("to be sent")
    HELD = "held", _("held back for quiet hours")
    SENDING = "sending", _("being sent")
    SENT = "sent", _("sent")
    CAPPED = "capped", _("not sent: daily limit reached")


class NoticePreference(models.Model):
    """A person's choice of channels for one kind of notice (通知方式). The inbox always keeps
    a copy: it is the record a text message or mail links to. Without a row, the defaults in
    `yishi.core.notifications.DEFAULT_CHANNELS` apply."""

    user = models.ForeignKey(
        "User", models.CASCADE, related_name="notice_preferences", verbose_name=_("person")
    )
    kind = models.CharField(_("kind of notice"), max_length=20, choices=NoticeKind.choices)
    by_text = models.BooleanField(_("by text message"), default=True)
    by_email = models.BooleanField(_("by e-mail"), default=True)

    class Meta:
        verbose_name = _("notice preference (通知方式)")
        verbose_name_plural = _("notice preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"


class Notification(models.Model):
    """A message in a person's in-app inbox (站内消息); sent too by text message and e-mail as the
    person chose for its kind (see yishi/core/notifications.py)."""

    recipient = models.ForeignKey(
        User, models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)
    kind = models.CharField(
        _("kind of notice"), max_length=20, choices=NoticeKind.choices, default=NoticeKind.OTHER
    )
    text_status = models.CharField(
        _("text message"), max_length=10, choices=TextStatus.choices, blank=True,
        default=TextStatus.NONE,
    )
    # Not before this time (the end of quiet hours when the notice came during them).
    text_due_at = models.DateTimeField(_("text message due"), null=True, blank=True)
    texted_at = models.DateTimeField(_("text message sent"), null=True, blank=True)
    # When a worker claimed the text: a claim older than YISHI_TASK_LEASE_SECONDS belongs to a
    # worker that died while sending, and the retried task may claim it again (the gateway
    # drops a repeated message id, so the person gets it once).
    text_claimed_at = models.DateTimeField(_("text message claimed"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification (站内消息)")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["text_status", "text_due_at"]),
            models.Index(fields=["recipient", "texted_at"]),
        ]

    def __str__(self) -> str:
        return self.subject


class Attachment(models.Model):
    """An uploaded file (附件): checked for type and size; images re-encoded without metadata."""

    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/")
    original_name = models.CharField(_("original name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        User, models.SET_NULL, null=True, related_name="attachments", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("attachment (附件)")
        verbose_name_plural = _("attachments")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        # The one address of a stored file: the view checks who may see it (yishi.core.media).
        return reverse("core:attachment", args=[self.pk])

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class CalendarDay(models.Model):
    """A day whose working status staff set by hand (工作日调整): next year's public holidays and
    make-up working days before the calendar library knows them, or a local closure. It
    overrides the library and the weekend rule."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("reason"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("calendar adjustment (工作日调整)")
        verbose_name_plural = _("calendar adjustments")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
