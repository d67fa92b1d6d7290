"""Fixtures of the deputies tests: 西溪's station, its deputy, and a reception session."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.opinions.conftest import category, handler, platform  # noqa: F401 - shared fixtures
from yishi.deputies import services
from yishi.deputies.models import DeputyProfile, LiaisonStation


@pytest.fixture
def station(xihu):
    return LiaisonStation.objects.create(unit=xihu["xixi"], code="xixi", kind="street",
                                         name="西溪街道人大代表联络站", notice_days=1)


@pytest.fixture
def deputy(people, station):
    profile = DeputyProfile.objects.create(user=people["deputy"])
    profile.stations.add(station)
    return profile


@pytest.fixture
def session(people, station, deputy):
    start = timezone.now() + timedelta(days=3)
    return services.schedule_session(people["street_staff"], station, starts_at=start,
                                     ends_at=start + timedelta(hours=2), mode="in_person",
                                     deputies=[deputy], slots=2)
