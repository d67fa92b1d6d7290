"""Uploaded files reach people only through here. A file is shown to whoever may see an object
it belongs to, by that app's own visibility rule; everyone else gets 404, so a guessed id says
nothing about whether the file exists. Development streams the file; production hands the
sending to nginx with X-Accel-Redirect (docs/deploy.md)."""

from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.utils.module_loading import import_string
from django.views.decorators.http import require_safe

from .attachments import IMAGE_FORMATS, OFFICE_TYPES
from .models import Attachment

# Each app answers for the objects it attaches files to: rule(user, attachment) -> bool.
# Listed here rather than discovered so that a new use of Attachment must be thought about.
RULES = [
    "yishi.opinions.queries.may_see_attachment",
    "yishi.projects.queries.may_see_attachment",
    "yishi.deputies.queries.may_see_attachment",
    "yishi.councils.queries.may_see_attachment",
    "yishi.oversight.queries.may_see_attachment",
    "yishi.finance.asset_queries.may_see_attachment",
]

INLINE_TYPES = {content_type for content_type, _ext in IMAGE_FORMATS.values()}
# Only types the upload door produces are sent as themselves; anything else in the table
# (an old row, a hand edit) goes out as opaque bytes the browser will not render.
SAFE_TYPES = INLINE_TYPES | {"application/pdf", *OFFICE_TYPES.values()}


def may_see(user, attachment: Attachment) -> bool:
    if user.is_authenticated and attachment.uploaded_by_id == user.pk:
        return True
    return any(import_string(rule)(user, attachment) for rule in RULES)


def _stored_path(attachment: Attachment) -> Path:
    """The file's place under MEDIA_ROOT; a name that would lead outside it is refused."""
    root = Path(settings.MEDIA_ROOT).resolve()
    name = attachment.file.name or ""
    if not name or name.startswith("/") or "\\" in name or "\x00" in name:
        raise Http404
    path = (root / name).resolve()
    if not path.is_relative_to(root) or path == root:
        raise Http404
    return path


@require_safe
def serve_attachment(request, pk: int) -> HttpResponse:
    attachment = get_object_or_404(Attachment, pk=pk)
    if not may_see(request.user, attachment):
        raise Http404
    path = _stored_path(attachment)
    content_type = (attachment.content_type if attachment.content_type in SAFE_TYPES
                    else "application/octet-stream")
    inline = content_type in INLINE_TYPES
    accel = settings.YISHI_MEDIA_ACCEL_REDIRECT
    if accel:
        # nginx sends the bytes from its internal location; Django only decides who may.
        response = HttpResponse(b"", content_type=content_type)
        relative = path.relative_to(Path(settings.MEDIA_ROOT).resolve()).as_posix()
        response["X-Accel-Redirect"] = accel.rstrip("/") + "/" + quote(relative)
    else:
        if not path.is_file():
            raise Http404
        response = FileResponse(path.open("rb"), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=not inline, filename=attachment.original_name or path.name)
    response["X-Content-Type-Options"] = "nosniff"
    # A file is someone's, not the public's, unless a rule says otherwise each time: no shared
    # cache may keep it.
    response["Cache-Control"] = "private, max-age=3600"
    response["Vary"] = "Cookie"
    return response
