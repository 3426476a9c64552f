"""config.settings.prod: everything from the environment, and Django's
deployment checklist passes with a realistic environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
ENVIRONMENT = {
    "SECRET_KEY": "a-realistic-production-secret-key-of-fifty-characters-or-more-0123456789",
    "ALLOWED_HOSTS": "sightline.example.org",
    "DATABASE_URL": "postgis://sightline@%2Frun%2Fpostgresql/sightline",
}


def run_with_prod_settings(*args: str, **environment: str) -> subprocess.CompletedProcess:
    # Only what a service manager would give it: nothing of this test run's.
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env.update(environment)
    return subprocess.run(
        [sys.executable, "manage.py", *args, "--settings=config.settings.prod"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deployment_checklist_finds_nothing():
    result = run_with_prod_settings("check", "--deploy", "--fail-level=DEBUG", **ENVIRONMENT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr + result.stdout


def test_without_a_secret_key_production_refuses_to_start():
    environment = {**ENVIRONMENT, "SECRET_KEY": ""}

    result = run_with_prod_settings("check", **environment)

    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_without_allowed_hosts_production_refuses_to_start():
    environment = {key: value for key, value in ENVIRONMENT.items() if key != "ALLOWED_HOSTS"}

    result = run_with_prod_settings("check", **environment)

    assert result.returncode != 0
    assert "ALLOWED_HOSTS must name the site's host names" in result.stderr


def test_security_settings_come_from_the_environment():
    names = [
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "USE_X_FORWARDED_HOST",
        "CSRF_TRUSTED_ORIGINS",
        "SECURE_PROXY_SSL_HEADER",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_HTTPONLY",
        "DEBUG",
    ]
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    environment = {
        **ENVIRONMENT,
        "ALLOWED_HOSTS": "sightline.example.org,www.sightline.example.org",
        "SECURE_HSTS_SECONDS": "600",
        "SECURE_HSTS_PRELOAD": "false",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "false",
    }

    result = run_with_prod_settings("shell", "--no-imports", "-c", code, **environment)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {
        "SECURE_HSTS_SECONDS": 600,
        "SECURE_HSTS_PRELOAD": False,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "USE_X_FORWARDED_HOST": False,
        "CSRF_TRUSTED_ORIGINS": [
            "https://sightline.example.org",
            "https://www.sightline.example.org",
        ],
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "DEBUG": False,
    }
