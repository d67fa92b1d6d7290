from django.conf import settings

from .models import TextSize


def site(request):
    user = getattr(request, "user", None)
    text_size = request.COOKIES.get("yishi_text")
    if text_size not in TextSize.values:
        text_size = user.text_size if user is not None and user.is_authenticated else "normal"
    unread = None
    if user is not None and user.is_authenticated:
        from .notifications import unread_count

        unread = unread_count(user)
    return {
        "unread_count": unread,
        "site_name": settings.YISHI_SITE_NAME,
        "text_size": text_size,
        "large_text": text_size == TextSize.LARGE,
        "footer": _footer(),
    }


def _footer() -> dict:
    import re

    psb = settings.YISHI_PSB_NUMBER
    return {
        "organizer": settings.YISHI_ORGANIZER,
        "phone": settings.YISHI_CONTACT_PHONE,
        "email": settings.YISHI_CONTACT_EMAIL,
        "address": settings.YISHI_CONTACT_ADDRESS,
        "icp": settings.YISHI_ICP_NUMBER,
        "psb": psb,
        # The police filing's query page takes the number's digits.
        "psb_code": "".join(re.findall(r"\d", psb)),
    }
