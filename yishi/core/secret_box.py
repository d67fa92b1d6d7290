"""Secrets the platform must keep but not store readable (a sign-in code waiting to be texted,
an outside system's shared secret): sealed with Fernet (`cryptography`) under a key derived from
SECRET_KEY by HKDF, one key per purpose so that a sealed value of one kind never opens as
another. Changing SECRET_KEY makes what was sealed unreadable (docs/deploy.md)."""

import base64

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


def _key(purpose: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=purpose.encode()).derive(settings.SECRET_KEY.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(text: str, purpose: str) -> str:
    return _key(purpose).encrypt(text.encode()).decode()


def unseal(token: str, purpose: str) -> str:
    """The sealed text; cryptography.fernet.InvalidToken when it was not sealed for `purpose`
    under this SECRET_KEY."""
    return _key(purpose).decrypt(token.encode()).decode()
