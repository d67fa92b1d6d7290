"""Production settings plus a bare "hello" view, for bench/http_baseline.py only.

Everything comes from yishi.settings (so YISHI_ENV=production gives the real production
configuration); only the URLconf differs, adding /bench-hello/ in front of the product's URLs."""

from yishi.settings import *  # noqa: F403

ROOT_URLCONF = "bench.hello_urls"
