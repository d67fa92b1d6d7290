"""Production settings pass Django's deployment checks and send the security headers.

Settings are read once per process, and pytest runs with the test settings, so every check here
runs in a fresh Python process with YISHI_ENV=production and no other YISHI_* variable set (the
production defaults are what is being tested)."""

import json
import os
import secrets
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOST = "yishi.example.gov.cn"


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    # Not inherited: our own settings, and DJANGO_ALLOW_ASYNC_UNSAFE (set by tests/conftest.py
    # for Playwright; check --deploy rightly refuses it).
    env = {
        name: value for name, value in os.environ.items()
        if not name.startswith(("YISHI_", "DJANGO_")) and name not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update({
        "DJANGO_SETTINGS_MODULE": "yishi.settings",
        "YISHI_ENV": "production",
        "YISHI_SECRET_KEY": secrets.token_urlsafe(64),  # 86 characters, many distinct
        "YISHI_ALLOWED_HOSTS": HOST,
        "YISHI_VAR_DIR": str(tmp_path),  # an empty SQLite file here, no migrations needed
    })
    env.update(extra)
    return env


def run_python(tmp_path: Path, args: list[str], **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=production_env(tmp_path, **extra),
        capture_output=True, text=True, timeout=120, check=False,
    )


def test_check_deploy_passes_at_warning_level(tmp_path):
    proc = run_python(tmp_path, ["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no issues" in proc.stdout


def test_production_refuses_to_start_without_secret_key(tmp_path):
    env_script = "import django; django.setup()"
    proc = subprocess.run(
        [sys.executable, "-c", env_script], cwd=ROOT,
        env={k: v for k, v in production_env(tmp_path).items() if k != "YISHI_SECRET_KEY"},
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode != 0
    assert "YISHI_SECRET_KEY" in proc.stderr


PROBE = textwrap.dedent("""
    import json
    import sys

    import yishi.wsgi  # as gunicorn starts a worker
    from django.conf import settings
    from django.test import Client

    client = Client(HTTP_HOST="%s")
    plain = client.get("/healthz")
    secure = client.get("/healthz", secure=True)
    forwarded = client.get("/healthz", HTTP_X_FORWARDED_PROTO="https")
    csp = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    print(json.dumps({
        "DEBUG": settings.DEBUG,
        "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
        "SECURE_PROXY_SSL_HEADER": list(settings.SECURE_PROXY_SSL_HEADER),
        "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": settings.SECURE_HSTS_INCLUDE_SUBDOMAINS,
        "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
        "SESSION_COOKIE_HTTPONLY": settings.SESSION_COOKIE_HTTPONLY,
        "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
        "LANGUAGE_COOKIE_SECURE": settings.LANGUAGE_COOKIE_SECURE,
        "MIDDLEWARE": settings.MIDDLEWARE,
        "STATICFILES_BACKEND": settings.STORAGES["staticfiles"]["BACKEND"],
        "CSP": {name: [str(v) for v in values] for name, values in csp.items()},
        "plain": [plain.status_code, plain.headers.get("Location", "")],
        "secure": [secure.status_code, dict(secure.headers.items())],
        "forwarded": [forwarded.status_code, dict(forwarded.headers.items())],
        "warm": [yishi.opinions.routing._tokenizer is not None,
                 yishi.moderation.text._tokenizer is not None,
                 "sklearn.svm" in sys.modules and "sklearn.feature_extraction.text" in sys.modules],
    }))
""") % HOST


def test_production_security_settings_and_headers(tmp_path):
    proc = run_python(tmp_path, ["-c", PROBE])
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout.strip().splitlines()[-1])

    assert found["DEBUG"] is False
    # A worker builds its word-cutters and imports the routing model's classes as it starts,
    # not in its first request (yishi/wsgi.py).
    assert found["warm"] == [True, True, True]
    # HTTPS everywhere; behind nginx the scheme comes from X-Forwarded-Proto.
    assert found["SECURE_SSL_REDIRECT"] is True
    assert found["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert found["plain"] == [301, f"https://{HOST}/healthz"]
    assert found["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert found["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    # Cookies only over HTTPS, the session cookie out of reach of scripts.
    assert found["SESSION_COOKIE_SECURE"] is True
    assert found["SESSION_COOKIE_HTTPONLY"] is True
    assert found["CSRF_COOKIE_SECURE"] is True
    assert found["LANGUAGE_COOKIE_SECURE"] is True
    # Static files served by whitenoise from hashed, compressed files.
    middleware = found["MIDDLEWARE"]
    assert middleware[:2] == [
        "django.middleware.security.SecurityMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
    ]
    assert "csp.middleware.CSPMiddleware" in middleware
    assert found["STATICFILES_BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    # CSP: our own origin only, no inline script, no framing, no plugins.
    csp = found["CSP"]
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert not any("unsafe" in value or value == "*" for values in csp.values() for value in values)

    for how in ("secure", "forwarded"):
        status, headers = found[how]
        assert status == 200, (how, headers)
        hsts = headers["Strict-Transport-Security"]
        assert hsts.startswith(f"max-age={365 * 24 * 3600}"), hsts
        assert "includeSubDomains" in hsts
        policy = headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def _redis_answers() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def test_installations_sharing_one_redis_keep_apart_by_their_cache_prefix(tmp_path):
    if not _redis_answers():
        pytest.skip("no Redis on 127.0.0.1:6379 (production's shared cache)")
    key = f"deploy-test-{secrets.token_hex(4)}"
    script = ("import django, sys; django.setup(); from django.core.cache import cache; "
              f"cache.set('{key}', sys.argv[1], 60) if sys.argv[1] else None; "
              f"print(cache.get('{key}'))")

    def install(prefix: str, value: str = "") -> str:
        proc = run_python(tmp_path, ["-c", script, value], REDIS_URL="redis://127.0.0.1:6379/6",
                          YISHI_CACHE_PREFIX=prefix)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.strip()

    assert install("xihu-prod", "production") == "production"
    assert install("xihu-train", "training") == "training"
    assert install("xihu-prod") == "production"  # not overwritten by the training copy
    assert install("xihu-train") == "training"
