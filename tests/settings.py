"""The project settings, with a fast password hasher: the suite creates many users."""

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Serve static files straight from the source folders (the live server in browser tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
