import pytest

from yishi.core.models import Role, RoleAssignment, User
from yishi.moderation import services
from yishi.opinions import services as opinions
from yishi.opinions.models import OpinionCategory


@pytest.fixture
def category(db):
    return OpinionCategory.objects.create(code="parking", name="停车管理", name_en="Parking")


@pytest.fixture
def beishan_staff(xihu):
    user = User.objects.create_user("18611110001", name="北山工委", password="correct horse battery")
    RoleAssignment.objects.create(user=user, role=Role.STREET_STAFF, unit=xihu["beishan"])
    return user


@pytest.fixture
def words(people):
    for word in ("赌博", "代开发票"):
        services.add_word(people["district_staff"], word)


@pytest.fixture
def submit(people, xihu, category):
    """A resident of 西溪 raises a public opinion; street staff accept it (the board shows only
    accepted opinions)."""

    def make(text="楼道口停满电动车，请联系13812345678。", title="电动车乱停放", accept=True):
        opinion = opinions.submit_opinion(people["resident"], opinions.Intake(
            title=title, text=text, category=category, community=xihu["xixi_community"],
            is_public=True))
        if accept:
            opinions.accept_opinion(people["street_staff"], opinion)
            opinion.refresh_from_db()
        return opinion

    return make
