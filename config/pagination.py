"""Page-number pagination whose errors name the parameter: `page` not a page number is a 400, a page past the
end a 404, both {"error", "message", "field": "page"}; `page_size` not a whole number ≥ 1 is a 400 (above 500
reads 500)."""
from rest_framework import exceptions, pagination

from config.params import parse_int
from core.errors import NotFound


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_number(self, request, paginator):
        raw = super().get_page_number(request, paginator)
        if raw in self.last_page_strings:
            return raw
        return parse_int(raw, self.page_query_param, low=1, what="a page number (1, 2, ... or last)")

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw not in (None, ""):
            parse_int(raw, self.page_size_query_param, low=1, what="a whole number")
        return super().get_page_size(request)

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound as exc:
            raise NotFound(str(exc.detail), field=self.page_query_param) from None
