"""LOG_FORMAT=json: one JSON object per log line, for a log collector."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SCRIPT = (
    "import django, logging; django.setup(); "
    "logging.getLogger('audit').warning('security event %s', 'lockout')"
)


def run(**env) -> str:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stderr.strip().splitlines()[-1]


def test_json_logs_are_one_object_per_line():
    line = json.loads(run(LOG_FORMAT="json"))
    assert line["message"] == "security event lockout"
    assert line["levelname"] == "WARNING"
    assert line["name"] == "audit"


def test_plain_text_by_default():
    assert run(LOG_FORMAT="text") == "security event lockout"
