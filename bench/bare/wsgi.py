"""gunicorn --chdir bench bare.wsgi: the bare view, beside the project in the same run."""

import os

from django.core.wsgi import get_wsgi_application

# Not setdefault: the bench exports the project's settings for its own processes.
os.environ["DJANGO_SETTINGS_MODULE"] = "bare.settings"

application = get_wsgi_application()
