"""Running a sealed secret ballot through its whole path in a test, as its tellers would: the
shares are taken while the ballot is open and brought after the close, and only then can the
results be published. Every secret ballot is sealed (a secret ballot without tellers is
refused), so tests of the engine that are not about sealing use these steps."""

from yishi.voting import services, tellers
from yishi.voting.models import Ballot, BallotState, PaperTally, PaperTallyState, Teller

# Shares taken by open_ballot, by ballot id: what each teller would have written down.
_SHARES: dict = {}  # by the ballot's public id: a database id comes back after a flush


def teller_people(people) -> list:
    """Three tellers as the brief names them: street staff, a deputy and (for want of a council
    member who is not also a voter in these tests) the street's expert."""
    return [people["street_staff"], people["deputy"], people["expert"]]


def open_ballot(actor, ballot: Ballot) -> Ballot:
    """Open the ballot and, if it is sealed, let each teller take their share."""
    ballot = services.open_ballot(actor, ballot)
    if ballot.is_sealed:
        take_shares(ballot)
    return ballot


def take_shares(ballot: Ballot) -> None:
    """Each teller takes their share of an open sealed ballot."""
    _SHARES[ballot.public_id] = {
        t.user_id: tellers.take_share(t.user, ballot)
        for t in Teller.objects.filter(ballot=ballot).select_related("user")}


def count(actor, ballot: Ballot) -> Ballot:
    """Close the ballot if it is open and, if it is sealed, have a quorum of tellers bring their
    shares (which decrypts the ballots)."""
    ballot = Ballot.objects.get(pk=ballot.pk)
    if ballot.state == BallotState.OPEN:
        if ballot.is_sealed and ballot.public_id not in _SHARES:
            # Opened by another app's service (a project cycle, a meeting): the tellers take
            # their shares now, before the close forgets the untaken ones.
            take_shares(ballot)
        ballot = services.close_ballot(actor, ballot)
    pending = PaperTally.objects.filter(ballot=ballot, state=PaperTallyState.ENTERED).exists()
    if ballot.is_sealed and ballot.decrypted_at is None and not pending:
        shares = _SHARES[ballot.public_id]
        for teller in Teller.objects.filter(ballot=ballot).select_related("user")[
                :ballot.threshold]:
            tellers.bring_share(teller.user, ballot, shares[teller.user_id])
    return Ballot.objects.get(pk=ballot.pk)


def publish(actor, ballot: Ballot) -> Ballot:
    """Close, count through the tellers and publish, as staff and tellers would in turn."""
    return services.publish_results(actor, count(actor, ballot))
