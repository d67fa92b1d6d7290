"""Notifications (通知): one `notify()` for every module. Each notice lands in the person's inbox
and goes out by text message (短信) and e-mail as they chose for its kind on the account page.

Delivery is a task (`tasks.deliver_notification`) queued after the transaction commits, so the
request that caused a notice never waits for a gateway. It is idempotent per notification: the
text is claimed by a conditional update before it is sent and the mail stamped with
`emailed_at`, so a retried or duplicated task sends nothing twice. Texts are capped per person
per day (YISHI_SMS_DAILY_LIMIT; the inbox still gets everything) and held back during quiet hours
(22:00–08:00 Asia/Shanghai) until the morning, when the periodic job `core.release_held_texts`
sends them.

Each reader gets the notice in their own language (`User.language`, remembered from the language
they use the site in): callers pass the subject and body as callables (or lazy strings) that
`notify()` renders once per language under `translation.override`, so a notice triggered by
English-speaking staff reaches a Chinese-speaking resident in Chinese, and the other way round."""

from collections.abc import Callable, Iterable
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.functional import Promise

from .localtime import local
from .models import NoticeKind, NoticePreference, Notification, TextStatus, User
from .periodic import register

# Which kind of notice a link is about, when the caller does not say: each module's pages live
# under their own prefix, so the link tells. Core imports none of the apps for this.
KIND_BY_PREFIX = {
    "/opinions/": NoticeKind.OPINION,
    "/deputies/": NoticeKind.RECEPTION,
    "/voting/": NoticeKind.BALLOT,
    "/projects/": NoticeKind.PROJECT,
    "/councils/": NoticeKind.COUNCIL,
}

# Channels when a person has not chosen: residents sign up with a mobile number only, so what
# concerns them reaches them by text; e-mail only goes to an address they confirmed.
DEFAULT_CHANNELS = {kind: {"by_text": kind != NoticeKind.OTHER, "by_email": True}
                    for kind in NoticeKind.values}


# A notice's subject or body: plain text (a resident's own words, a number), a lazy string, or a
# callable building the text with gettext, called in each reader's language.
Text = str | Promise | Callable[[], str]


def reader_language(user: User) -> str:
    """The language a person reads notices in: the one they chose, else the site's default."""
    code = (user.language or "").lower()
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def render_text(text: Text, language: str) -> str:
    with translation.override(language):
        return str(text() if callable(text) else text)


def kind_of(url: str) -> str:
    for prefix, kind in KIND_BY_PREFIX.items():
        if url.startswith(prefix):
            return kind
    return NoticeKind.OTHER


def channels(user: User, kind: str) -> dict[str, bool]:
    """{"by_text": …, "by_email": …} for this person and kind of notice."""
    chosen = NoticePreference.objects.filter(user=user, kind=kind).first()
    if chosen is None:
        return dict(DEFAULT_CHANNELS[kind])
    return {"by_text": chosen.by_text, "by_email": chosen.by_email}


def all_channels(user: User) -> dict[str, dict[str, bool]]:
    result = {kind: dict(DEFAULT_CHANNELS[kind]) for kind in NoticeKind.values}
    for chosen in NoticePreference.objects.filter(user=user):
        result[chosen.kind] = {"by_text": chosen.by_text, "by_email": chosen.by_email}
    return result


def quiet_until(moment: datetime) -> datetime | None:
    """The end of quiet hours (08:00 local) if `moment` falls in them, else None."""
    start, end = settings.YISHI_QUIET_HOURS_START, settings.YISHI_QUIET_HOURS_END
    here = local(moment)
    if start <= end:
        quiet = start <= here.hour < end
    else:
        quiet = here.hour >= start or here.hour < end
    if not quiet:
        return None
    day = here.date() if here.hour < end else here.date() + timedelta(days=1)
    return datetime.combine(day, time(end), tzinfo=here.tzinfo)


def notify(recipients: Iterable, subject: Text, body: Text = "", url: str = "",
           kind: str | None = None) -> list[Notification]:
    """Tell people something: an inbox entry each, then text and mail as each chose, each in
    the reader's language (the inbox entry, the text and the mail are rendered once per
    language among the recipients)."""
    kind = kind or kind_of(url)
    people = list({r.pk: r for r in recipients}.values())
    texts: dict[str, tuple[str, str]] = {}
    for language in {reader_language(p) for p in people}:
        texts[language] = (render_text(subject, language), render_text(body, language))
    held_until = quiet_until(timezone.now())
    chosen = dict(NoticePreference.objects.filter(
        user__in=[p.pk for p in people], kind=kind).values_list("user_id", "by_text"))
    created = []
    for person in people:
        by_text = chosen.get(person.pk, DEFAULT_CHANNELS[kind]["by_text"]) and bool(person.mobile)
        subject_text, body_text = texts[reader_language(person)]
        created.append(Notification(
            recipient=person, subject=subject_text[:200], body=body_text, url=url, kind=kind,
            text_status=(TextStatus.HELD if held_until else TextStatus.PENDING) if by_text
            else TextStatus.NONE,
            text_due_at=held_until if by_text else None,
        ))
    created = Notification.objects.bulk_create(created)
    from .tasks import deliver_notification, enqueue_with_transaction

    for notification in created:
        enqueue_with_transaction(deliver_notification, notification.pk)
    return created


def link(notification: Notification) -> str:
    path = notification.url or "/accounts/inbox/"
    return f"{settings.YISHI_PUBLIC_URL.rstrip('/')}{path}"


def text_of(notification: Notification) -> str:
    """One short message: the subject and a link (the gateway adds the signature 【议事】)."""
    subject = notification.subject
    if len(subject) > 60:
        subject = subject[:59] + "…"
    return f"{subject} {link(notification)}"


def _texted_today(user_id: int, now: datetime) -> int:
    midnight = datetime.combine(local(now).date(), time(0), tzinfo=local(now).tzinfo)
    # One statement, so one snapshot: counted in two, a text moving from "sending" to "sent"
    # between them would be in neither, and a concurrent worker would go over the cap.
    return Notification.objects.filter(
        Q(texted_at__gte=midnight) | Q(text_status=TextStatus.SENDING), recipient_id=user_id
    ).count()


def _claim_text(notification_id: int) -> Notification | None:
    """Take the text of one notification for sending, or None if it is not ours to send now
    (already sent or being sent, held for quiet hours, over the daily cap)."""
    now = timezone.now()
    with transaction.atomic():
        row = Notification.objects.filter(pk=notification_id).values(
            "recipient_id", "text_status", "text_due_at", "text_claimed_at").first()
        if row is None:
            return None
        lease = now - timedelta(seconds=settings.YISHI_TASK_LEASE_SECONDS)
        abandoned = (row["text_status"] == TextStatus.SENDING and row["text_claimed_at"]
                     and row["text_claimed_at"] < lease)
        if abandoned:
            # Its worker died between claiming and recording the send: send it again under
            # the same message id, which the gateway drops if the first one went out.
            claimed = Notification.objects.filter(
                pk=notification_id, text_status=TextStatus.SENDING,
                text_claimed_at=row["text_claimed_at"]).update(text_claimed_at=now)
            return (Notification.objects.select_related("recipient").get(pk=notification_id)
                    if claimed else None)
        if row["text_status"] not in (TextStatus.PENDING, TextStatus.HELD):
            return None
        if row["text_due_at"] and row["text_due_at"] > now:
            return None
        held_until = quiet_until(now)
        if held_until:  # a task that ran late, into the night: hold it for the morning too
            Notification.objects.filter(pk=notification_id, text_status=row["text_status"]).update(
                text_status=TextStatus.HELD, text_due_at=held_until)
            return None
        # The person's row is the lock that makes count-then-claim safe under concurrency.
        User.objects.select_for_update().filter(pk=row["recipient_id"]).first()
        if _texted_today(row["recipient_id"], now) >= settings.YISHI_SMS_DAILY_LIMIT:
            Notification.objects.filter(
                pk=notification_id, text_status=row["text_status"]
            ).update(text_status=TextStatus.CAPPED)
            return None
        claimed = Notification.objects.filter(
            pk=notification_id, text_status=row["text_status"]
        ).update(text_status=TextStatus.SENDING, text_claimed_at=now)
        if not claimed:
            return None
    return Notification.objects.select_related("recipient").get(pk=notification_id)


def deliver_text(notification_id: int) -> bool:
    from . import sms

    notification = _claim_text(notification_id)
    if notification is None:
        return False
    try:
        sms.send_text(notification.recipient.mobile, text_of(notification),
                      key=f"notice-{notification.pk}")
    except Exception:
        # Give it back so a retry sends it; nothing went out.
        Notification.objects.filter(pk=notification_id, text_status=TextStatus.SENDING).update(
            text_status=TextStatus.PENDING)
        raise
    Notification.objects.filter(pk=notification_id).update(
        text_status=TextStatus.SENT, texted_at=timezone.now())
    return True


def deliver_email(notification_id: int) -> bool:
    from django.core.mail import send_mail

    notification = (
        Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    )
    if notification is None or notification.emailed_at or not notification.recipient.email:
        return False
    if not channels(notification.recipient, notification.kind)["by_email"]:
        return False
    # Stamp first: a retried task finds it stamped and sends nothing a second time.
    if not Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
            emailed_at=timezone.now()):
        return False
    body = notification.body
    body = f"{body}\n\n{link(notification)}" if body else link(notification)
    try:
        send_mail(notification.subject, body, None, [notification.recipient.email])
    except Exception:
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise
    return True


def deliver(notification_id: int) -> None:
    deliver_email(notification_id)
    deliver_text(notification_id)


@register("core.release_held_texts")
def release_held_texts() -> int:
    """Send the texts held back for quiet hours whose morning has come."""
    from .tasks import deliver_notification

    due = list(Notification.objects.filter(
        text_status=TextStatus.HELD, text_due_at__lte=timezone.now()
    ).values_list("pk", flat=True)[:5000])
    for pk in due:
        deliver_notification.enqueue(pk)
    return len(due)


def mark_read(user, notification_ids: Iterable[int] | None = None) -> int:
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        rows = rows.filter(pk__in=list(notification_ids))
    return rows.update(read_at=timezone.now())


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
