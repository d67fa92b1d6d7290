from django.core.management.base import BaseCommand

from yishi.core import checkpoints


class Command(BaseCommand):
    help = "Print a new Ed25519 key for YISHI_AUDIT_SIGNING_KEY, and its public half."

    def handle(self, *args, **options):
        from base64 import b64decode

        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        private = checkpoints.new_signing_key()
        public = checkpoints.public_key_text(
            Ed25519PrivateKey.from_private_bytes(b64decode(private)))
        self.stdout.write(f"YISHI_AUDIT_SIGNING_KEY={private}\n# public key: {public}")
