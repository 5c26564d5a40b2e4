"""One view: the least a Django page can do."""

from django.http import HttpResponse
from django.urls import path


def ok(request):
    return HttpResponse("ok")


urlpatterns = [path("", ok)]
