import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yishi.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    """Build the jieba tokenizers (search and routing, moderation) and import the routing
    model's classes while the worker starts.

    Built on first use, the tokenizers took a second or more on a busy machine inside the first
    request that submitted an opinion, with the street's opinion counter and the audit chain's
    head row locked: every audited write of every other worker waited behind it
    (bench/faults.py saw 20-second timeouts right after start). The model's scikit-learn
    classes made the first opinion a handler opened take 6 s."""
    from yishi.moderation.text import tokens
    from yishi.opinions.routing import get_tokenizer, import_model_classes

    get_tokenizer()
    tokens("")
    import_model_classes()


_warm_up()
