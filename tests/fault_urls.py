"""A URL conf for tests only: the real one plus two routes that fail the way a bug would (an uncaught exception),
one under /api/ and one page, to check what a client sees (config.errors.ApiErrorMiddleware)."""
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from config.urls import urlpatterns as real


class Boom(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    def get(self, request):
        raise ZeroDivisionError("a bug")


def boom_page(request):
    raise ZeroDivisionError("a bug")


urlpatterns = [path("api/v1/test-boom/", Boom.as_view()), path("test-boom/", boom_page)] + real
