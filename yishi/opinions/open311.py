"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) at /open311/v2/: our
opinion categories are its services, our public opinions its service requests. JSON and XML,
the standard error format ([{"code", "description"}]), POST with an api_key."""

import re
from datetime import datetime
from xml.etree import ElementTree

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from yishi.core.models import normalize_mobile
from yishi.moderation.queries import attach as attach_moderation
from yishi.moderation.queries import published

from . import queries, services
from .models import Open311Key, Opinion, OpinionCategory, OpinionChannel, OpinionState

CLOSED_STATES = {OpinionState.CLOSED, OpinionState.NOT_ACCEPTED, OpinionState.MERGED}


# Characters XML 1.0 cannot carry at all (C0 controls other than tab, LF and CR; lone
# surrogates; U+FFFE/U+FFFF): one of them in a description would make the whole document
# unreadable to every client, so they are dropped from XML output (JSON escapes them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(value) -> str:
    return _NOT_XML.sub("", str(value).lower() if isinstance(value, bool) else str(value))


def _render(data, fmt: str, root: str, item: str, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        top = ElementTree.Element(root)
        for row in data:
            element = ElementTree.SubElement(top, item)
            for key, value in row.items():
                child = ElementTree.SubElement(element, key)
                if isinstance(value, list):
                    child.text = _xml_text(",".join(str(v) for v in value))
                elif value is not None:
                    child.text = _xml_text(value)
        body = ElementTree.tostring(top, encoding="unicode", xml_declaration=False)
        return HttpResponse('<?xml version="1.0" encoding="utf-8"?>' + body, status=status,
                            content_type="text/xml; charset=utf-8")
    return JsonResponse(data, safe=False, status=status, json_dumps_params={"ensure_ascii": False})


def _error(fmt: str, code: int, description: str) -> HttpResponse:
    return _render([{"code": code, "description": description}], fmt, "errors", "error", code)


def _fmt(fmt: str) -> str | None:
    return fmt if fmt in ("json", "xml") else None


def _service(category: OpinionCategory) -> dict:
    return {"service_code": category.code, "service_name": category.name,
            "description": category.name_en, "metadata": False, "type": "realtime",
            "keywords": "", "group": ""}


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def _request(opinion: Opinion) -> dict:
    # Read from the prefetched rows (see _requests): no query per request in a list.
    replies, timeline = list(opinion.replies.all()), list(opinion.timeline.all())
    reply = replies[-1] if replies else None
    assignment = next((a for a in opinion.assignments.all() if a.state != "transferred"), None)
    updated = timeline[-1] if timeline else None
    return {
        "service_request_id": opinion.number,
        "status": "closed" if opinion.state in CLOSED_STATES else "open",
        "status_notes": reply.text if reply else opinion.get_state_display(),
        "service_name": opinion.category.name,
        "service_code": opinion.category.code,
        # The board's rule for the text too: under review until approved, personal data masked.
        "description": published(opinion, "text"),
        "agency_responsible": assignment.department.name if assignment else opinion.street.name,
        "service_notice": "",
        "requested_datetime": _iso(opinion.created_at),
        "updated_datetime": _iso(updated.created_at if updated else opinion.created_at),
        "expected_datetime": _iso(opinion.reply_deadline),
        "address": opinion.address,
        "address_id": "",
        "zipcode": "",
        "lat": float(opinion.latitude) if opinion.latitude is not None else None,
        "long": float(opinion.longitude) if opinion.longitude is not None else None,
        "media_url": "",
    }


def _requests():
    """What the web board shows, by the board's own rule: an opinion waiting for screening is
    on neither (its address and map point could name a resident before anyone has read it)."""
    return (queries.public_board().select_related("category", "street")
            .prefetch_related("replies", "timeline", "assignments__department"))


def services_list(request: HttpRequest, fmt: str) -> HttpResponse:
    if not _fmt(fmt):
        return _error("json", 404, "format must be json or xml")
    return _render([_service(c) for c in OpinionCategory.objects.all()], fmt, "services",
                   "service")


def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    if not _fmt(fmt):
        return _error("json", 404, "format must be json or xml")
    if not OpinionCategory.objects.filter(code=code).exists():
        return _error(fmt, 404, f"service_code {code} not found")
    # No service has extra attributes (metadata is false everywhere).
    if fmt == "xml":
        return _render([], fmt, "service_definition", "attribute")
    return JsonResponse({"service_code": code, "attributes": []})


def _parse_date(value: str | None, name: str):
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise ValueError(f"{name} is not a W3C datetime")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


@csrf_exempt
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if not _fmt(fmt):
        return _error("json", 404, "format must be json or xml")
    if request.method == "POST":
        return _post_request(request, fmt)
    if request.method != "GET":
        return _error(fmt, 405, "method not allowed")
    rows = _requests()
    params = request.GET
    try:
        start = _parse_date(params.get("start_date"), "start_date")
        end = _parse_date(params.get("end_date"), "end_date")
    except ValueError as exc:
        return _error(fmt, 400, str(exc))
    if params.get("service_request_id"):
        rows = rows.filter(number__in=params["service_request_id"].split(","))
    if params.get("service_code"):
        rows = rows.filter(category__code__in=params["service_code"].split(","))
    status = params.get("status")
    if status == "open":
        rows = rows.exclude(state__in=CLOSED_STATES)
    elif status == "closed":
        rows = rows.filter(state__in=CLOSED_STATES)
    elif status:
        return _error(fmt, 400, "status must be open or closed")
    if start:
        rows = rows.filter(created_at__gte=start)
    if end:
        rows = rows.filter(created_at__lte=end)
    if not (start or end or params.get("service_request_id")):
        rows = rows.filter(created_at__gte=timezone.now() - timezone.timedelta(days=90))
    rows = rows.order_by("-created_at")[:1000]
    return _render([_request(o) for o in attach_moderation(rows)], fmt, "service_requests",
                   "request")


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    data = request.POST
    key = Open311Key.objects.filter(key_hash=Open311Key.hash(data.get("api_key", "")),
                                    active=True).select_related("street").first()
    if key is None:
        return _error(fmt, 403, "api_key is missing or not valid")
    category = OpinionCategory.objects.filter(code=data.get("service_code", "")).first()
    if category is None:
        return _error(fmt, 400, "service_code is missing or unknown")
    lat, lng = data.get("lat"), data.get("long")
    if not ((lat and lng) or data.get("address_string") or data.get("address_id")):
        return _error(fmt, 400, "a location is required: lat and long, address_string or "
                                "address_id")
    try:
        latitude = float(lat) if lat else None
        longitude = float(lng) if lng else None
    except ValueError:
        return _error(fmt, 400, "lat and long must be numbers")
    description = (data.get("description") or "").strip()
    name = " ".join(p for p in (data.get("last_name", ""), data.get("first_name", "")) if p)
    intake = services.Intake(
        title=description[:30] or category.name, text=description, category=category,
        community=None, street=key.street, address=data.get("address_string", "")[:200],
        latitude=latitude, longitude=longitude, is_public=True, contact_name=name,
        contact_mobile=normalize_mobile(data.get("phone", ""))[:11])
    try:
        opinion = services.submit_opinion(None, intake, channel=OpinionChannel.OPEN311)
    except ValidationError as exc:
        return _error(fmt, 400, " ".join(exc.messages))
    except PermissionDenied as exc:
        return _error(fmt, 403, str(exc))
    return _render([{"service_request_id": opinion.number, "token": opinion.number,
                     "service_notice": "", "account_id": ""}], fmt, "service_requests",
                   "request", status=201)


def request_detail(request: HttpRequest, number: str, fmt: str) -> HttpResponse:
    if not _fmt(fmt):
        return _error("json", 404, "format must be json or xml")
    opinion = _requests().filter(number=number).first()
    if opinion is None:
        return _error(fmt, 404, f"service_request_id {number} not found")
    return _render([_request(opinion)], fmt, "service_requests", "request")


def token_view(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    if not _fmt(fmt):
        return _error("json", 404, "format must be json or xml")
    if not Opinion.objects.filter(number=token, channel=OpinionChannel.OPEN311).exists():
        return _error(fmt, 404, f"token {token} not found")
    return _render([{"service_request_id": token, "token": token}], fmt, "service_requests",
                   "request")
