"""What every API router shares: authentication, the one error shape and pagination."""

from __future__ import annotations

import inspect
import logging
from functools import wraps
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi import schema as ninja_openapi
from ninja.pagination import LimitOffsetPagination
from ninja.pagination import paginate as ninja_paginate
from ninja.renderers import JSONRenderer
from ninja.responses import Status
from ninja.schema import NinjaGenerateJsonSchema
from ninja.security import HttpBearer, SessionAuth

from salescore.core import pagination as pages
from salescore.core.api_rows import row_writer
from salescore.core.errors import ApplicationError

logger = logging.getLogger(__name__)


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict


MAX_OFFSET = 1_000_000_000


class Pagination(LimitOffsetPagination):
    """Every API list: ``limit`` 1-100 and ``offset`` 0-1,000,000,000, so an absurd offset is a
    422 naming the field instead of an integer overflow in the database."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=100, description="How many items (1-100).")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many items to skip.")

    class Output(Schema):
        items: list[Any]
        count: int = Field(
            description=(
                "How many items the list holds; counted up to 10,000 past this page, 1,000 for a "
                "search (see count_exact)"
            )
        )
        count_exact: bool = Field(
            True, description="false when the list holds more than count items (counting stopped there)"
        )

    def paginate_queryset(self, queryset, pagination: Input, request, **params):
        offset, limit = pagination.offset, pagination.limit
        if not isinstance(queryset, QuerySet):
            count = self._items_count(queryset)
            return {"items": queryset[offset : offset + limit], "count": count, "count_exact": True}
        count, exact = pages.capped_count(queryset, cap=offset + limit + pages.count_cap(queryset))
        return {"items": pages.rows(queryset, offset, offset + limit), "count": count, "count_exact": exact}


# The API's renderer, which list pages (``paginate``) use as well: the same JSON either way.
RENDERER = JSONRenderer()
CONTENT_TYPE = f"{RENDERER.media_type}; charset={RENDERER.charset}"
# False sends every page through pydantic as ninja does (the tests compare both ways).
WRITE_PAGES = True


def paginate(pagination_class: type[Pagination] = Pagination, **params):
    """ninja's ``paginate`` (the same parameters, ``limit`` and ``offset``, and the same OpenAPI
    schema), whose page is written by ``core.api_rows`` instead of validated by pydantic item by
    item: the same JSON, a fraction of the time. A page whose schema api_rows leaves to pydantic,
    or a view answering another status, goes through ninja as before."""

    def decorate(func):
        view = ninja_paginate(pagination_class, **params)(func)
        if inspect.iscoroutinefunction(func):
            return view  # ninja's async pagination, as it is
        pages_by_status: dict[int, Any] = {}
        default_status = [200]

        def learn(operation):
            # Runs after ninja's own callback has turned ``list[Item]`` into ``Paged<Item>``.
            if len(operation.response_models) == 1:  # ninja's status for a plain answer
                default_status[0] = next(iter(operation.response_models))
            for status, model in operation.response_models.items():
                annotation = getattr(model, "model_fields", {}).get("response")
                schema = annotation.annotation if annotation is not None else None
                if isinstance(schema, type) and issubclass(schema, pagination_class.Output):
                    pages_by_status[status] = row_writer(schema)

        @wraps(view)
        def answer(request, **kwargs):
            result = view(request, **kwargs)
            if isinstance(result, Status):
                status, page = result.status_code, result.value
            else:
                status, page = default_status[0], result
            write = pages_by_status.get(status) if WRITE_PAGES else None
            if write is None or not isinstance(page, dict):
                return result
            content = RENDERER.render(request, write(page), response_status=status)
            return HttpResponse(content, status=status, content_type=CONTENT_TYPE)

        answer._ninja_contribute_to_operation = [*view._ninja_contribute_to_operation, learn]
        return answer

    return decorate


class TokenAuth(HttpBearer):
    """Personal API tokens: ``Authorization: Bearer sc_...``."""

    def authenticate(self, request, token):
        from salescore.accounts.services import api_token_authenticate

        user = api_token_authenticate(token)
        if user is not None:
            request.user = user  # so audit rows and scoping see the token's owner
        return user


def _field_name(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "form")]
    return ".".join(parts) or "__all__"


def _validation_message(error: dict) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    messages = {
        "missing": _("This field is required."),
        "int_parsing": _("Enter a whole number."),
        "int_type": _("Enter a whole number."),
        "float_parsing": _("Enter a number."),
        "decimal_parsing": _("Enter a number."),
        "bool_parsing": _("Enter true or false."),
        "date_parsing": _("Enter a date as YYYY-MM-DD."),
        "date_from_datetime_parsing": _("Enter a date as YYYY-MM-DD."),
        "datetime_parsing": _("Enter a date and time in ISO 8601 format."),
        "string_type": _("Enter text."),
        "json_invalid": _("The request body is not valid JSON."),
        "model_attributes_type": _("The request body must be a JSON object."),
        "dict_type": _("The request body must be a JSON object."),
        "list_type": _("Enter a list."),
        "enum": _("Choose one of: %(values)s.") % {"values": ctx.get("expected", "")},
        "literal_error": _("Choose one of: %(values)s.") % {"values": ctx.get("expected", "")},
        "string_too_long": _("Use at most %(n)s characters.") % {"n": ctx.get("max_length", "")},
        "string_too_short": _("Use at least %(n)s characters.") % {"n": ctx.get("min_length", "")},
        "greater_than_equal": _("Use a value of at least %(n)s.") % {"n": ctx.get("ge", "")},
        "less_than_equal": _("Use a value of at most %(n)s.") % {"n": ctx.get("le", "")},
        "greater_than": _("Use a value above %(n)s.") % {"n": ctx.get("gt", "")},
        "less_than": _("Use a value below %(n)s.") % {"n": ctx.get("lt", "")},
        "value_error": str(error.get("msg", "")).removeprefix("Value error, "),
        "extra_forbidden": _("This field is not accepted here."),
        # Kinds a fuzzer reaches: pydantic's own English would otherwise reach the caller.
        "int_from_float": _("Enter a whole number."),
        "int_parsing_size": _("Enter a whole number."),
        "finite_number": _("Enter a finite number (not NaN or infinity)."),
        "float_type": _("Enter a number."),
        "decimal_type": _("Enter a number."),
        "decimal_max_digits": _("Use at most %(n)s digits.") % {"n": ctx.get("max_digits", "")},
        "decimal_max_places": _("Use at most %(n)s decimal places.") % {"n": ctx.get("decimal_places", "")},
        "decimal_whole_digits": _("Use at most %(n)s digits before the decimal point.")
        % {"n": ctx.get("whole_digits", "")},
        "bool_type": _("Enter true or false."),
        "date_type": _("Enter a date as YYYY-MM-DD."),
        "date_from_datetime_inexact": _("Enter a date as YYYY-MM-DD."),
        "datetime_type": _("Enter a date and time in ISO 8601 format."),
        "datetime_from_date_parsing": _("Enter a date and time in ISO 8601 format."),
        "datetime_object_invalid": _("Enter a date and time in ISO 8601 format."),
        "string_pattern_mismatch": _("This value does not have the expected form."),
        "string_unicode": _("Enter text."),
        "too_short": _("Give at least %(n)s items.") % {"n": ctx.get("min_length", "")},
        "too_long": _("Give at most %(n)s items.") % {"n": ctx.get("max_length", "")},
    }
    # Any other kind gets the general message, never pydantic's untranslated English.
    return messages.get(kind) or _("This value is not valid.")


def missing_reference(field: str, pk) -> ApplicationError:
    return ApplicationError(
        _("%(field)s: there is no record #%(pk)s.") % {"field": field, "pk": pk},
        code="invalid_reference",
        fields={field: _("No record with this id.")},
    )


MAX_ID = 2**63 - 1  # the largest primary key either database can hold


def _possible_id(pk) -> bool:
    return isinstance(pk, int) and 0 < pk <= MAX_ID


def reference(source, pk: int | None, field: str):
    """The record an id in a request points to, or a 400 naming the field that points nowhere.

    ``source`` is a model or a queryset. Pass a scoped queryset for business records: a record the
    caller may not see then points nowhere too, with the same answer, so its existence does not leak.
    """
    if pk is None:
        return None
    if not _possible_id(pk):
        raise missing_reference(field, pk)
    rows = source if isinstance(source, QuerySet) else source._default_manager.all()
    obj = rows.filter(pk=pk).first()
    if obj is None:
        raise missing_reference(field, pk)
    return obj


def references(source, ids: list[int] | None, field: str) -> list | None:
    """Several referenced records at once (one query), naming every id that points nowhere."""
    if ids is None:
        return None
    rows = source if isinstance(source, QuerySet) else source._default_manager.all()
    found = list(rows.filter(pk__in=[pk for pk in ids if _possible_id(pk)]))
    missing = sorted(set(ids) - {row.pk for row in found})
    if missing:
        raise missing_reference(field, ", ".join(map(str, missing)))
    return found


def date_range(start, end, *, start_field: str, end_field: str):
    """A filter's date range as given, or a 400 naming the end field when it comes before the start."""
    if start is not None and end is not None and start > end:
        raise ApplicationError(
            _("%(end)s is before %(start)s.") % {"end": end_field, "start": start_field},
            code="invalid_range",
            fields={end_field: _("The end date is before the start date.")},
        )
    return start, end


def error_response(api: NinjaAPI, request, *, status: int, code: str, message: str, fields=None):
    return api.create_response(
        request, {"code": code, "message": message, "fields": fields or {}}, status=status
    )


def install_error_handlers(api: NinjaAPI) -> None:
    """Every API error leaves in one JSON shape: {"code", "message", "fields"}."""

    @api.exception_handler(ApplicationError)
    def application_error(request, exc: ApplicationError):
        return error_response(
            api, request, status=exc.status, code=exc.code, message=exc.message, fields=exc.fields
        )

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        fields: dict[str, str] = {}
        for error in exc.errors:
            fields.setdefault(_field_name(error.get("loc", ())), _validation_message(error))
        return error_response(
            api,
            request,
            status=422,
            code="validation_error",
            message=_("Some fields are not valid: %(fields)s.") % {"fields": ", ".join(fields)},
            fields=fields,
        )

    @api.exception_handler(DjangoValidationError)
    def django_validation_error(request, exc: DjangoValidationError):
        if hasattr(exc, "message_dict"):
            fields = {k: " ".join(str(m) for m in v) for k, v in exc.message_dict.items()}
        else:
            fields = {"__all__": " ".join(str(m) for m in exc.messages)}
        return error_response(
            api,
            request,
            status=400,
            code="invalid",
            message=_("Some fields are not valid: %(fields)s.") % {"fields": ", ".join(fields)},
            fields=fields,
        )

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return error_response(api, request, status=404, code="not_found", message=_("Not found."))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return error_response(
            api,
            request,
            status=401,
            code="not_authenticated",
            message=_("Sign in or send a valid API token (Authorization: Bearer ...)."),
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        code = {403: "permission_denied", 405: "method_not_allowed", 429: "throttled"}.get(
            exc.status_code, "error"
        )
        message = str(exc)
        if exc.status_code == 403 and "CSRF" in message:
            # A session caller without the CSRF token: their position is not the problem.
            code = "csrf_failed"
            message = _(
                "The form was open too long or cookies are blocked. Go back, reload the page and try again."
            )
        elif exc.status_code == 403:
            message = _("Your position does not allow this action.")
        elif exc.status_code == 400 and "parse request body" in message:
            code, message = "invalid_json", _("The request body is not valid JSON.")
        return error_response(api, request, status=exc.status_code, code=code, message=message)

    @api.exception_handler(MultiPartParserError)
    def unreadable_upload(request, exc):
        # A multipart body the parser cannot read (no boundary, cut short): the client's fault.
        return error_response(
            api,
            request,
            status=400,
            code="invalid_upload",
            message=_("The upload could not be read: send the file as multipart/form-data."),
        )

    @api.exception_handler(Exception)
    def server_error(request, exc):
        logger.exception("API error on %s %s", request.method, request.path)
        return error_response(
            api,
            request,
            status=500,
            code="server_error",
            message=_("Something went wrong on the server. The error has been logged."),
        )


# Which class each component name of the OpenAPI schema belongs to (short name -> module path).
_COMPONENT_OWNERS: dict[str, str] = {}


class UniqueComponentNames(NinjaGenerateJsonSchema):
    """ninja gathers every model's definitions into one ``components`` section by their short name,
    so two classes of one name (a customer's Kind and a report's Kind, the leads' and the tickets'
    AssignIn) left the last one describing both, and clients built from the schema sent values the
    server refuses. The first class to use a short name keeps it; any other class of that name is
    named by its module path (salescore__leads__api__AssignIn)."""

    def get_defs_ref(self, core_mode_ref):
        defs_ref = super().get_defs_ref(core_mode_ref)
        choices = self._prioritized_defsref_choices[defs_ref]
        short, qualified = choices[0], choices[2]  # pydantic's order: name, name-mode, module.qualname ...
        if _COMPONENT_OWNERS.setdefault(short, qualified) != qualified:
            self._prioritized_defsref_choices[defs_ref] = choices[2:]
        return defs_ref


def build_api(*, title: str, version: str, description: str) -> NinjaAPI:
    # ninja's schema builder names its generator at module level, with no setting to pass another.
    ninja_openapi.NinjaGenerateJsonSchema = UniqueComponentNames
    api = NinjaAPI(
        title=title,
        version=version,
        description=description,
        # Token first: session auth runs its CSRF check before it looks for a session, so trying it
        # first refused every write from a script that sends only a bearer token.
        auth=[TokenAuth(), SessionAuth()],
        urls_namespace="api",
        docs_url="/docs",
        renderer=RENDERER,
    )
    install_error_handlers(api)
    return api
