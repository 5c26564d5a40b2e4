"""The bare Django view that bench/board divides by: one middleware, no database, no apps.

What a page costs on top of this is what the project adds (its middleware stack, URL routing
depth, queries, templates, cache); the WSGI server, HTTP parsing and Django's request handling
are in both."""

SECRET_KEY = "bench-bare-view-secret-key-not-used-anywhere-else-0123456789abcdef"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "bare.urls"
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
INSTALLED_APPS = []
DATABASES = {}
USE_TZ = True
