import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _environment(**values) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **values}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests, never in production
    return env


def test_check_deploy_is_clean_with_production_values():
    env = _environment(
        DEBUG="False",
        SECRET_KEY="x7#k2!pL9@qR4$vW8^zT1&mN6*bY3(cF5)hJ0-gD_sA+eU=iO" * 2,
        ALLOWED_HOSTS="pledges.example.gov.cn",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_the_development_defaults():
    env = _environment(DEBUG="True")
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr + result.stdout
