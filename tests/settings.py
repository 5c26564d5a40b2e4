"""The project settings, with a fast password hasher: the suite creates many users."""

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Serve static files straight from the source folders (the live server in browser tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Text messages to followers land in residents.sms.outbox.
SMS_BACKEND = "residents.sms.LocmemBackend"

# The suite logs in and posts from one address far more often than any office or village:
# the per-address limits are tested with their own values (tests/audit/).
LOGIN_RATE = "10000/h"
ANONYMOUS_POST_RATE = "10000/h"
