"""How a service's refusal reaches a page: as form errors next to the fields it names, or as
messages. (The API's answer is made in one place: the exception handlers in yishi/api.py.)"""

from django.core.exceptions import ValidationError


def add_form_errors(form, exc: ValidationError, field: str | None = None) -> None:
    """Put a service's ValidationError on the form: on the fields it names when those are the
    form's, otherwise on `field` (None: the whole form)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(field, exc.messages)

