"""The bounds of every number the API accepts, stated once (docs/api.md).

A number outside what the database column holds used to reach the database and come back as a
500 (an offset of 10^20, an id past bigint, a cost past the 14-digit money column). The API's
signatures and schemas use these types instead of bare `int`/`Decimal`, so such input is a 422
naming the field before any query runs."""

from decimal import Decimal
from typing import Annotated

from ninja import Schema
from pydantic import Field

MAX_ID = 2**63 - 1  # PostgreSQL bigint, SQLite INTEGER
MAX_OFFSET = 1_000_000  # deeper than any list we publish; paging past it is a mistake or a probe
MAX_MONEY = Decimal("999999999999.99")  # DecimalField(max_digits=14, decimal_places=2)

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET)]
Year = Annotated[int, Field(ge=2000, le=2100)]
Percent = Annotated[int, Field(ge=0, le=100)]
# Choices, minimum supports and similar counts on a ballot: far above any real roll.
Count = Annotated[int, Field(ge=0, le=1_000_000)]
Money = Annotated[Decimal, Field(ge=0, le=MAX_MONEY, max_digits=14, decimal_places=2)]
Latitude = Annotated[Decimal, Field(ge=-90, le=90, max_digits=9, decimal_places=6)]
Longitude = Annotated[Decimal, Field(ge=-180, le=180, max_digits=9, decimal_places=6)]


def Limit(maximum: int):  # noqa: N802 - used like the types above
    """A page size from 1 to `maximum` (the endpoint states its default)."""
    return Annotated[int, Field(ge=1, le=maximum)]


class AllowedActionOut(Schema):
    """A step the person asking may take now (core.workflow.may): its name, its label, and the
    text to confirm first when it cannot be undone. Every detail endpoint's `actions`."""

    name: str
    label: str
    confirm: str = ""


def allowed_actions(obj, who, workflow=None) -> list[dict]:
    """`actions` for the API: `who` is the request (its authenticated user) or a user."""
    from .workflow import may

    user = getattr(who, "auth", None) or getattr(who, "user", who)
    if user is None or not user.is_authenticated:
        return []
    return [{"name": c.name, "label": c.label, "confirm": str(c.transition.confirm)}
            for c in may(obj, user, workflow=workflow).values()]
