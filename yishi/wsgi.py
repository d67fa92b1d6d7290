import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yishi.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    """Build the jieba tokenizers (search and routing, moderation) while the worker starts.

    Built on first use, they took a second or more on a busy machine inside the first request
    that submitted an opinion, with the street's opinion counter and the audit chain's head row
    locked: every audited write of every other worker waited behind it (bench/faults.py saw
    20-second timeouts right after start)."""
    from yishi.moderation.text import tokens
    from yishi.opinions.routing import get_tokenizer

    get_tokenizer()
    tokens("")


_warm_up()
