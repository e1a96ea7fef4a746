"""A URL conf for tests only: the real one plus routes that fail the way a bug would (an uncaught exception, a
RecursionError), under /api/ and on a page, to check what a client sees (config.errors.ApiErrorMiddleware)."""
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from config.urls import urlpatterns as real


class Boom(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    def get(self, request):
        raise ZeroDivisionError("a bug")


class Deep(APIView):
    """Recursive code meeting input nested too deeply (what the JSON parser's depth limit normally prevents)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    def get(self, request):
        def down(n):
            return down(n + 1)

        return down(0)


def boom_page(request):
    raise ZeroDivisionError("a bug")


def deep_plain(request):
    raise RecursionError("maximum recursion depth exceeded")


urlpatterns = [path("api/v1/test-boom/", Boom.as_view()), path("test-boom/", boom_page),
               path("api/v1/test-deep/", Deep.as_view()), path("api/v1/test-deep-plain/", deep_plain)] + real
