import pytest

from yishi.core.models import Role, RoleAssignment, User


@pytest.fixture
def beishan_staff(xihu):
    user = User.objects.create_user("18611110001", name="北山工委", password="correct horse battery")
    RoleAssignment.objects.create(user=user, role=Role.STREET_STAFF, unit=xihu["beishan"])
    return user


@pytest.fixture
def leader(xihu):
    """A standing-committee leader (district staff) linked to 西溪."""
    from yishi.oversight.models import LiaisonLink

    user = User.objects.create_user("18611110002", name="王主任", password="correct horse battery")
    RoleAssignment.objects.create(user=user, role=Role.DISTRICT_STAFF, unit=xihu["district"])
    LiaisonLink.objects.create(leader=user, street=xihu["xixi"], title="副主任",
                               starts_on="2026-01-01")
    return user


@pytest.fixture
def task(people, xihu):
    from yishi.oversight import services

    return services.assign_task(people["district_staff"], services.TaskInput(
        title="老旧小区加装电梯摸排", description="摸排辖区老旧小区加装电梯需求。",
        evidence_expected="摸排表、现场照片", streets=[xihu["xixi"], xihu["beishan"]],
        lead=xihu["xixi"], workdays=10))


@pytest.fixture
def xixi_assignment(task, xihu):
    return task.assignments.get(street=xihu["xixi"])


@pytest.fixture
def beishan_assignment(task, xihu):
    return task.assignments.get(street=xihu["beishan"])


@pytest.fixture
def own_login(db):
    """Like verified_login, but each call signs in on a client of its own, so that a test can
    hold the district's and a street's sessions side by side."""
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def login(user):
        client = Client()
        device = TOTPDevice.objects.create(user=user, confirmed=True, name="test")
        client.force_login(user)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
        return client

    return login
