"""The JSON API (django-ninja): OpenAPI at /api/openapi.json, documentation at /api/docs.
Each app adds its router here.

Every refusal has one shape, whichever layer refuses (docs/api.md):
`{"detail": "…", "errors": [{"field": "…" | null, "message": "…"}]}`, in the user's language.
Endpoints do not catch the services' exceptions: the handlers below turn Django's
ValidationError (422, or 409 for a conflict), PermissionDenied (403), Http404 (404), ninja's
input validation (422), authentication (401) and unreadable bodies (400) into that body."""

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI, Schema
from ninja import errors as ninja_errors

from yishi.core.api import router as core_router
from yishi.councils.api import router as councils_router
from yishi.deputies.api import router as deputies_router
from yishi.finance.api import router as finance_router
from yishi.moderation.api import router as moderation_router
from yishi.opinions.api import router as opinions_router
from yishi.opinions.handoff_api import document_webhooks
from yishi.opinions.handoff_api import router as handoff_router
from yishi.oversight.api import router as oversight_router
from yishi.projects.api import router as projects_router
from yishi.voting.api import router as voting_router


class FieldError(Schema):
    field: str | None
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldError]


def _body(errors: list[dict], detail: str | None = None) -> dict:
    if detail is None:
        detail = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"]
                           for e in errors) or _("The request is not valid.")
    return {"detail": detail, "errors": errors}


def _input_message(error: dict) -> str:
    """pydantic's English message for one input error, said again in the user's language."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind in ("int_parsing", "int_from_float", "int_type"):
        return _("Enter a whole number.")
    if kind in ("float_parsing", "float_type", "decimal_parsing", "decimal_type",
                "finite_number"):
        return _("Enter a number.")
    if kind in ("greater_than_equal", "greater_than"):
        return _("Enter a value of at least %(limit)s.") % {
            "limit": ctx.get("ge", ctx.get("gt"))}
    if kind in ("less_than_equal", "less_than"):
        return _("Enter a value of at most %(limit)s.") % {"limit": ctx.get("le", ctx.get("lt"))}
    if kind in ("decimal_max_digits", "decimal_max_places", "decimal_whole_digits"):
        return _("This number has too many digits.")
    if kind == "string_too_long":
        return _("Enter at most %(limit)s characters.") % {"limit": ctx.get("max_length")}
    if kind == "string_too_short":
        return _("Enter at least %(limit)s characters.") % {"limit": ctx.get("min_length")}
    if kind == "too_short":
        return _("Give at least %(limit)s entries.") % {"limit": ctx.get("min_length")}
    if kind == "too_long":
        return _("Give at most %(limit)s entries.") % {"limit": ctx.get("max_length")}
    if kind in ("enum", "literal_error"):
        return _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact",
                "datetime_parsing", "datetime_from_date_parsing", "date_type", "datetime_type"):
        return _("Enter a valid date or date and time.")
    if kind in ("uuid_parsing", "uuid_type"):
        return _("Enter a valid identifier.")
    if kind in ("bool_parsing", "bool_type"):
        return _("Enter true or false.")
    if kind == "string_pattern_mismatch":
        return _("This value is not in the expected form.")
    if kind in ("string_type", "list_type", "dict_type", "model_type", "model_attributes_type"):
        return _("This value has the wrong type.")
    return _("This value is not valid.")


def _field(loc) -> str | None:
    # ("body", "data", "title") or ("query", "offset"): the source and the parameter's own
    # name are not the client's field names.
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form", "file",
                                              "header", "cookie")]
    if len(parts) > 1 and loc and loc[0] == "body":
        parts = parts[1:]
    return ".".join(parts) or None


class YishiAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        return document_webhooks(_document_errors(super().get_openapi_schema(**kwargs)))


api = YishiAPI(
    title="Yishi API",
    version="1",
    description=str(gettext_lazy("Open data and participation API of the Yishi platform.")),
    urls_namespace="api",
)


def _nul_in(value, where):
    """The dotted name of the first string holding a NUL character, or None."""
    if isinstance(value, str):
        return where if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(
        value, list) else ()
    for key, item in items:
        found = _nul_in(item, f"{where}.{key}" if where else str(key))
        if found:
            return found
    return None


def _refuse_nul(view):
    """PostgreSQL cannot store a NUL character in text, and psycopg refuses it with a
    ValueError deep in a query: every text the API reads (path, query, JSON or form body) is
    checked here first, so a NUL is a 422 naming the field."""
    from functools import wraps

    @wraps(view)
    def checked(request, *args, **kwargs):
        def joined(querydict):
            return {key: "".join(querydict.getlist(key)) for key in querydict}

        field = _nul_in(kwargs, "") or _nul_in(joined(request.GET), "")
        if field is None and request.method not in ("GET", "HEAD", "OPTIONS"):
            if request.content_type in ("multipart/form-data",
                                        "application/x-www-form-urlencoded"):
                field = _nul_in(joined(request.POST), "")  # files may hold any bytes
            elif request.content_type == "application/json":
                if b"\\u0000" in request.body.lower():
                    try:
                        field = _nul_in(json.loads(request.body), "")
                    except ValueError:
                        field = None  # unreadable JSON: the body parser answers 400
            elif b"\x00" in request.body:
                field = "body"
        if field is not None:
            return api.create_response(request, _body(
                [{"field": field, "message": _("Text may not contain NUL characters.")}]),
                status=422)
        return view(request, *args, **kwargs)

    return checked


api.add_decorator(_refuse_nul, mode="view")


@api.exception_handler(ninja_errors.ValidationError)
def _invalid_input(request, exc):
    errors = [{"field": _field(e.get("loc", ())), "message": _input_message(e)}
              for e in exc.errors]
    return api.create_response(request, _body(errors), status=422)


@api.exception_handler(ValidationError)
def _refused_input(request, exc):
    if hasattr(exc, "error_dict"):
        errors = [{"field": None if name == "__all__" else name, "message": str(message)}
                  for name, messages in exc.message_dict.items() for message in messages]
    else:
        errors = [{"field": None, "message": str(m)} for m in exc.messages]
    codes = {e.code for e in exc.error_list} if not hasattr(exc, "error_dict") else {
        e.code for errors_ in exc.error_dict.values() for e in errors_}
    return api.create_response(request, _body(errors),
                               status=409 if "conflict" in codes else 422)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(
        request, _body([], str(exc) or _("You may not do this.")), status=403)


@api.exception_handler(Http404)
def _not_found(request, exc):
    # Never the exception's text: it may name a model or tell apart "missing" from "not yours".
    return api.create_response(request, _body([], _("Not found.")), status=404)


@api.exception_handler(ninja_errors.HttpError)
def _http_error(request, exc):
    if isinstance(exc, ninja_errors.AuthenticationError):
        detail = _("Sign in first.")
    elif exc.status_code == 400:
        detail = _("The request body could not be read.")
    elif exc.status_code == 403 and exc.message == "CSRF check Failed":
        detail = _("The security token (CSRF) is missing or wrong; reload the page.")
    elif exc.status_code == 429:
        detail = _("Too many requests; wait a moment.")
    else:
        detail = str(exc)
    return api.create_response(request, _body([], detail), status=exc.status_code)


_ERROR_STATUSES = {
    "400": gettext_lazy("The request body could not be read."),
    "401": gettext_lazy("Sign in first."),
    "403": gettext_lazy("Not allowed."),
    "404": gettext_lazy("Not found."),
    "409": gettext_lazy("Conflicts with the current state."),
    "422": gettext_lazy("Invalid input, naming the fields."),
}


def _document_errors(schema: dict) -> dict:
    """Every operation answers its refusals with ErrorOut; say so in the schema (401 and 403
    where sign-in is needed, 400 and 409 where something is sent)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(error_schema.pop("$defs", {}))
    components["ErrorOut"] = error_schema
    ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            statuses = ["404", "422"]
            if operation.get("security"):
                statuses += ["401", "403"]
            if method != "get":
                statuses += ["400", "409"]
            responses = operation.setdefault("responses", {})
            for status in statuses:
                responses.setdefault(status, {"description": str(_ERROR_STATUSES[status]), **ref})
    return schema


api.add_router("/", core_router)
api.add_router("/voting", voting_router)
api.add_router("/", opinions_router)
api.add_router("/", handoff_router)
api.add_router("/deputies", deputies_router)
api.add_router("/councils", councils_router)
api.add_router("/projects", projects_router)
api.add_router("/finance", finance_router)
api.add_router("/oversight", oversight_router)
api.add_router("/moderation", moderation_router)
