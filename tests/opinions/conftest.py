"""Fixtures of the opinions tests: a category, 西溪's "public service platform" and its
handler."""

import pytest

from yishi.core.models import Role, RoleAssignment, User
from yishi.opinions.models import OpinionCategory


@pytest.fixture
def category(db):
    return OpinionCategory.objects.create(code="parking", name="停车管理", name_en="Parking")


@pytest.fixture
def platform(xihu):
    return xihu["xixi"].departments.get(name="便民服务平台")


@pytest.fixture
def handler(people, platform):
    """people['department_handler'] works for the first department of 西溪; this one for the
    platform."""
    user = User.objects.create_user("13811110000", name="经办人")
    RoleAssignment.objects.create(user=user, role=Role.DEPARTMENT_HANDLER,
                                  unit=platform.street, department=platform)
    return user
