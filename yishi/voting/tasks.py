"""Slow side effects of ballots, run by the task worker outside requests."""

from django_tasks import task


@task()
def tell_voters(ballot_id: int) -> None:
    """Tell everyone on an opened ballot's roll (a district's roll is tens of thousands)."""
    from .services import tell_voters as tell

    tell(ballot_id)
