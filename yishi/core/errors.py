"""How a service's refusal reaches a page: as form errors next to the fields it names, or as
messages. (The API's answer is made in one place: the exception handlers in yishi/api.py.)"""

from django.core.exceptions import PermissionDenied, ValidationError


def add_form_errors(form, exc: ValidationError, field: str | None = None) -> None:
    """Put a service's ValidationError on the form: on the fields it names when those are the
    form's, otherwise on `field` (None: the whole form)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(field, exc.messages)



def error_messages(request, exc: ValidationError | PermissionDenied) -> None:
    """Show a service's refusal as error messages on the next page (for actions without a form
    of their own). A PermissionDenied without a text says "not allowed"."""
    from django.contrib import messages
    from django.utils.translation import gettext as _

    for message in getattr(exc, "messages", None) or [str(exc) or _("Not allowed.")]:
        messages.error(request, message)
