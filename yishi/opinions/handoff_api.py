"""The callback endpoint of outside case systems, and the OpenAPI description of what they
receive (a webhook). Authentication is the connection's HMAC signature, not a session: the
body is read raw and checked before it is parsed (handoff_reports.py)."""

from uuid import UUID

from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja import errors as ninja_errors

from .handoff_reports import CaseReportIn, CaseReportOut, Refused, receive_report

router = Router(tags=["case systems"])

_SIGNED_HEADERS = [
    {"name": "X-Yishi-Signature", "in": "header", "required": True,
     "schema": {"type": "string", "pattern": "^sha256=[0-9a-f]{64}$", "example":
                "sha256=2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"},
     "description": "sha256= and the hex HMAC-SHA256 of the raw body with the connection's "
                    "secret."},
    {"name": "X-Yishi-Timestamp", "in": "header", "required": True,
     "schema": {"type": "string"}, "description": "The body's timestamp (±300 s of our clock)."},
    {"name": "X-Yishi-Idempotency-Key", "in": "header", "required": True,
     "schema": {"type": "string"}, "description": "The body's idempotency_key."},
]


@router.post(
    "/case-systems/{connection}/reports", response=CaseReportOut, url_name="case_report",
    summary="An outside case system reports on an opinion it received",
    description="Signed with the connection's secret (docs/opinions.md). `accepted` and "
                "`handling` record progress, `replied` (with `text`) is the department's reply "
                "to the resident, `closed` records the case closed outside (with `text` it "
                "also replies). A repeated idempotency key changes nothing; a report the "
                "opinion's loop does not allow now answers 409 with the reason.",
    openapi_extra={
        "parameters": _SIGNED_HEADERS,
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": CaseReportIn.model_json_schema()}}},
        "responses": {"401": {
            "description": "Refused and logged: unknown connection, bad signature, stale "
                           "timestamp or headers that differ from the body.",
            "content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/ErrorOut"}}}}},
    })
def case_report(request, connection: UUID):
    try:
        return receive_report(connection, request.body, request.headers,
                              request.META.get("REMOTE_ADDR", ""))
    except Refused:
        raise ninja_errors.HttpError(401, _("The signature, timestamp or key is not valid."))\
            from None


class WebhookResident(Schema):
    name: str
    mobile: str | None


class WebhookOpinion(Schema):
    number: str
    title: str
    text: str
    category: str
    category_name: str
    street: str
    street_name: str
    community: str | None
    address: str
    latitude: str | None
    longitude: str | None
    channel: str
    submitted_at: str
    reply_deadline: str | None
    department: str
    lead: bool
    instructions: str
    resident: WebhookResident


class WebhookDelivery(Schema):
    """What an outside case system receives when an opinion is assigned to its department."""

    event: str
    idempotency_key: str
    timestamp: int
    connection: str
    callback_url: str
    opinion: WebhookOpinion


def document_webhooks(schema: dict) -> dict:
    """Describe the outgoing delivery as an OpenAPI 3.1 webhook."""
    body = WebhookDelivery.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(body.pop("$defs", {}))
    components["WebhookDelivery"] = body
    schema.setdefault("webhooks", {})["caseDelivery"] = {"post": {
        "summary": "An opinion handed to an outside case system",
        "description": "POSTed to the connection's address until it answers 2xx (retried with "
                       "exponential backoff). Signed like the reports; the idempotency key is "
                       "the same on every attempt.",
        "parameters": _SIGNED_HEADERS,
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/WebhookDelivery"}}}},
        "responses": {"200": {"description": "Received (any 2xx)."}},
    }}
    return schema
