from django.contrib.auth.backends import ModelBackend

from .models import User, normalize_mobile


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
