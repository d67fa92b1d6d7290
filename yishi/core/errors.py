"""How a service's refusal reaches the user: as form errors next to the fields it names, or as
the API's 4xx answer."""

from django.core.exceptions import PermissionDenied, ValidationError


def add_form_errors(form, exc: ValidationError, field: str | None = None) -> None:
    """Put a service's ValidationError on the form: on the fields it names when those are the
    form's, otherwise on `field` (None: the whole form)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(field, exc.messages)


def raise_api_error(exc: ValidationError | PermissionDenied):
    """403 for a refused permission, 422 with the messages for invalid input."""
    from ninja.errors import HttpError

    if isinstance(exc, PermissionDenied):
        raise HttpError(403, str(exc) or "forbidden")
    raise HttpError(422, " ".join(exc.messages))
