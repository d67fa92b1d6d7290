"""The public page of the audit chain's signed checkpoints, and its JSON for
`verify_audit --checkpoints URL` and for anyone who keeps copies."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import checkpoints
from .models import AuditCheckpoint


@require_GET
def audit_checkpoints(request: HttpRequest) -> HttpResponse:
    page = Paginator(AuditCheckpoint.objects.all(), 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_checkpoints.html", {
        "page": page, "public_key": checkpoints.public_key_text(),
    })


@require_GET
def audit_checkpoints_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse({
        "public_key": checkpoints.public_key_text(),
        "checkpoints": [checkpoints.as_published(c)
                        for c in AuditCheckpoint.objects.order_by("seq", "created_at")],
    })
