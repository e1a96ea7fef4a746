"""The detect endpoint: `POST /api/v1/deployments/<id>/detect` and `POST /d/<slug>/detect` (the contract at the
end of DESIGN.md; docs/deploy.md).

Order of checks, so a refused call costs nothing and an invalid one uses no quota:
1. the deployment (404 for an unknown id or slug, and for a logged-in outsider);
2. the caller: a public deployment takes anyone; a private one an API key of its own (`Authorization: Bearer
   <key>` or `X-API-Key`), or a member of its workspace (`Authorization: Token`, or the session with CSRF, as
   the playground calls it) - 401 otherwise;
3. the body: over 25 MB → 413 (from Content-Length before reading), fields → 400 naming the field, the image →
   400 `not_an_image`, or 400 `unsupported_format` for a picture dataset uploads refuse too (GIF...: the one
   list is datasets.imaging.ALLOWED_FORMATS), OCR model/language → 400 naming it;
4. the limits (deploy.usage.admit): 403 `quota_exceeded`, 429 `rate_limited` with Retry-After;
5. the model, from the process's cache (503 `model_loading` with Retry-After while it loads in the background).
Every answer, errors and 500 included, is JSON and carries the CORS headers of the deployment; each answer of a
known deployment is counted for monitoring (status and latency).
"""
from __future__ import annotations

import logging
import time

from django.http import Http404
from django.utils.cache import patch_vary_headers
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions as drf_exceptions
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Action, can
from accounts.selectors import role_in
from config.errors import exception_handler
from core.errors import PosedeckError
from datasets.imaging import ACCEPTED_TEXT, ALLOWED_FORMATS

from . import ocr, selectors, serving, usage
from .engines.images import read_rgb
from .errors import ImageTooLarge, KeyInvalid
from .models import Deployment
from .serializers import DetectInputSerializer

log = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 25 * 1024 * 1024
FORM_SLACK = 64 * 1024  # multipart boundaries and the small fields around the image
ALLOW_HEADERS = "Authorization, X-API-Key, Content-Type, X-Requested-With, X-CSRFToken"
EXPOSE_HEADERS = "Server-Timing, Retry-After"


def _presented_key(request) -> str:
    header = request.META.get("HTTP_X_API_KEY", "").strip()
    if header:
        return header
    auth = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = auth.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def _member_role(request, deployment: Deployment, session_user=None) -> str | None:
    """The caller's role in the deployment's workspace when authenticated as a user (API token or session with
    CSRF), else None. A bad token raises (401)."""
    from rest_framework.authentication import SessionAuthentication

    from accounts.tokens import ApiTokenAuthentication

    auth = request.META.get("HTTP_AUTHORIZATION", "")
    if auth.lower().startswith("token "):
        found = ApiTokenAuthentication().authenticate(request)
        user = found[0] if found else None
    elif session_user is not None and session_user.is_authenticated and session_user.is_active:
        SessionAuthentication().enforce_csrf(request)  # a cookie-authenticated call must carry the CSRF token
        user = session_user
    else:
        user = None
    if user is None:
        return None
    role = role_in(user, deployment.workspace_id)
    if role is None:
        raise Http404("no such deployment")  # an outsider: as if it did not exist
    return role


@extend_schema(exclude=False)
class DetectView(APIView):
    """Run the deployment's active model on one image. Multipart: `image` (≤ 25 MB), `conf_thres` (0..1, 0.25),
    `iou_thres` (0..1, 0.45), `kpt_thres` (≥ 0, 0), optional `ocr_model` (small), `ocr_classes` (comma
    separated), `ocr_language` (Tesseract codes, eng). Answers a JSON list, one object per instance."""

    authentication_classes: list = []  # the view authenticates itself: keys, tokens, sessions (see module doc)
    permission_classes: list = []
    parser_classes = [MultiPartParser, FormParser]
    throttle_classes: list = []

    deployment: Deployment | None = None

    def get_deployment(self, **kwargs) -> Deployment:
        queryset = Deployment.objects.select_related("workspace")
        try:
            if "slug" in kwargs:
                return queryset.get(slug=kwargs["slug"])
            return queryset.get(pk=int(kwargs["pk"]))
        except (Deployment.DoesNotExist, TypeError, ValueError, OverflowError):  # OverflowError: an id beyond 64 bits
            raise Http404("no such deployment") from None

    # ------------------------------------------------------------ the request
    def initialize_request(self, request, *args, **kwargs):
        # The session's user, read before DRF (with no authenticators here) sets the request's user to anonymous.
        user = getattr(request, "user", None)
        self._session_user = user if user is not None and user.is_authenticated else None
        return super().initialize_request(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        self._started = time.perf_counter()
        self._engine_ms = None
        super().initial(request, *args, **kwargs)

    def options(self, request, *args, **kwargs):
        """CORS preflight: which methods and headers a browser page may use."""
        self.deployment = self.get_deployment(**kwargs)
        response = Response(status=204)
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = ALLOW_HEADERS
        response["Access-Control-Max-Age"] = "600"
        return response

    @extend_schema(request={"multipart/form-data": DetectInputSerializer},
                   responses={200: OpenApiResponse(description='[{"class", "confidence", "x", "y", "width", "height", '
                                                               '"keypoints": [{"name", "x", "y", "confidence"}]}]'),
                              400: OpenApiResponse(description="a field, not_an_image, unsupported_format, ocr_unavailable"),
                              401: OpenApiResponse(description="missing or wrong key"),
                              403: OpenApiResponse(description="quota_exceeded"),
                              404: OpenApiResponse(description="no such deployment (or not yours)"),
                              413: OpenApiResponse(description="image over 25 MB"),
                              429: OpenApiResponse(description="over burst_per_minute; Retry-After"),
                              503: OpenApiResponse(description="model_loading / not_ready; Retry-After")})
    def post(self, request, *args, **kwargs):
        deployment = self.deployment = self.get_deployment(**kwargs)
        self._authorise(request, deployment)
        length = request.META.get("CONTENT_LENGTH") or ""
        if length.isdigit() and int(length) > MAX_IMAGE_BYTES + FORM_SLACK:
            raise ImageTooLarge(f"the request is {int(length) / 2**20:.1f} MB; images may be at most 25 MB",
                                field="image", limit_bytes=MAX_IMAGE_BYTES)
        form = DetectInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        v = form.validated_data
        upload = v["image"]
        if upload.size > MAX_IMAGE_BYTES:
            raise ImageTooLarge(f"image is {upload.size / 2**20:.1f} MB; at most 25 MB", field="image",
                                limit_bytes=MAX_IMAGE_BYTES)
        ocr_classes = [c.strip() for c in v["ocr_classes"].split(",") if c.strip()]
        ocr_language = None
        if v["ocr_model"] or ocr_classes or v["ocr_language"]:
            _, ocr_language = ocr.check(v["ocr_model"] or "small", v["ocr_language"] or "eng")
        rgb = read_rgb(upload.read(), name=getattr(upload, "name", None) or "image", formats=ALLOWED_FORMATS,
                       accepted=ACCEPTED_TEXT)
        usage.admit(deployment)
        started = time.perf_counter()
        instances = serving.predict_for(deployment, [rgb], conf=v["conf_thres"], iou=v["iou_thres"],
                                        kpt_thres=v["kpt_thres"])[0]
        self._engine_ms = (time.perf_counter() - started) * 1000
        ocr_ms = None
        if ocr_language is not None:
            started = time.perf_counter()
            wanted = set(ocr_classes)
            instances = [inst.with_extras(text=ocr.read_text(rgb, (inst.x, inst.y, inst.width, inst.height),
                                                             ocr_language))
                         if not wanted or inst.class_name in wanted else inst for inst in instances]
            ocr_ms = (time.perf_counter() - started) * 1000
        response = Response([inst.as_json() for inst in instances])
        timing = [f"engine;dur={self._engine_ms:.1f}"]
        if ocr_ms is not None:
            timing.append(f"ocr;dur={ocr_ms:.1f}")
        response["Server-Timing"] = ", ".join(timing)
        return response

    def _authorise(self, request, deployment: Deployment) -> None:
        if deployment.public:
            return
        key = _presented_key(request)
        if key:
            if selectors.key_matches(deployment, key):
                return
            raise KeyInvalid("the API key is not valid for this deployment (wrong, or revoked)")
        try:
            role = _member_role(request, deployment, getattr(self, "_session_user", None))
        except drf_exceptions.AuthenticationFailed as exc:
            raise KeyInvalid(f"invalid credentials: {exc.detail}") from None
        if role is None:
            raise KeyInvalid("this deployment is private: send an API key as `Authorization: Bearer <key>` or "
                             "`X-API-Key: <key>`")
        if not can(role, Action.VIEW):
            raise drf_exceptions.PermissionDenied(f"your role {role} may not call this deployment")

    # ------------------------------------------------------------ every answer
    def handle_exception(self, exc):
        """JSON for every error, 500 included (the seed platform's clients parse the body of a 500)."""
        if isinstance(exc, (drf_exceptions.NotAuthenticated, drf_exceptions.AuthenticationFailed)):
            exc = KeyInvalid(str(exc.detail))
        try:
            response = exception_handler(exc, self.get_exception_handler_context())
        except Exception:  # noqa: BLE001 - the handler itself must not turn an error into HTML
            response = None
        if response is None:
            log.exception("detect failed", exc_info=exc)
            response = Response({"error": "server_error",
                                 "message": f"the server failed to answer: {type(exc).__name__}: {exc}"[:500]},
                                status=500)
        retry = getattr(exc, "extra", {}).get("retry_after") if isinstance(exc, PosedeckError) else None
        if retry:
            response["Retry-After"] = str(int(retry))
        response.exception = True
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        self._cors(request, response)
        total_ms = (time.perf_counter() - getattr(self, "_started", time.perf_counter())) * 1000
        existing = response.get("Server-Timing")
        response["Server-Timing"] = f"{existing}, total;dur={total_ms:.1f}" if existing else f"total;dur={total_ms:.1f}"
        if self.deployment is not None and request.method == "POST":
            try:
                usage.record(self.deployment.pk, response.status_code,
                             total_ms if response.status_code == 200 else None)
            except Exception:  # noqa: BLE001 - monitoring never fails a call
                log.exception("could not count a detect call")
        return response

    def _cors(self, request, response) -> None:
        origin = request.META.get("HTTP_ORIGIN")
        deployment = self.deployment
        if deployment is None or deployment.public:
            response["Access-Control-Allow-Origin"] = "*"
        elif origin and ("*" in deployment.allowed_origins or origin.rstrip("/").lower() in deployment.allowed_origins):
            response["Access-Control-Allow-Origin"] = origin
            patch_vary_headers(response, ["Origin"])
        else:
            patch_vary_headers(response, ["Origin"])
            return
        response["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
        response["Timing-Allow-Origin"] = response["Access-Control-Allow-Origin"]


@extend_schema(exclude=True)
class DetectSlashView(DetectView):
    """The detect endpoint spelled with a trailing slash, like every other API route; left out of the schema
    (one operation, two spellings)."""
