"""The council services live by concern: roster.py (councils, rules, terms, members,
invitations), meetings.py (the meeting graph, agenda, notices, sign-in and quorum, tellers),
votes.py (an item's vote), minutes.py (minutes and follow-up actions) and district.py (the
district's meeting in every street). This module keeps the names that code outside the app
imports from here (the projects app's tests and the core workflow walk)."""

from .meetings import (  # noqa: F401
    add_item,
    convene_meeting,
    create_meeting,
    sign_in,
    start_meeting,
    submit_item_opinion,
)
from .roster import MemberInput, add_member, create_council, publish_roster  # noqa: F401
from .votes import cast_member_vote, close_vote, open_vote  # noqa: F401
from .workflows import CouncilError  # noqa: F401
