from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef

from .models import STAFF_ROLES, RoleAssignment, User, normalize_mobile


class MobileBackend(ModelBackend):
    """Password sign-in by mobile number. SMS-code sign-in does not pass through here: the code
    is checked by yishi.core.signin and the person is logged in directly."""

    def authenticate(self, request, mobile=None, password=None, username=None, **kwargs):
        mobile = normalize_mobile(mobile or username or "")
        if not mobile or not password:
            return None
        try:
            user = User.objects.get(mobile=mobile)
        except User.DoesNotExist:
            User().set_password(password)  # same time as a real check: no number enumeration
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        """The signed-in person, read with whether they hold a staff role today in the same
        query: the second-factor check runs on every request, and a resident's vote should not
        pay a second query for it."""
        staff = RoleAssignment.objects.active().filter(user=OuterRef("pk"), role__in=STAFF_ROLES)
        user = User.objects.annotate(holds_staff_role=Exists(staff)).filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
