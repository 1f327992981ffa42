"""Domain errors that carry their HTTP status, and the one handler that renders them.

Services raise these; they know nothing about HTTP beyond the status code. The handler
answers JSON (`{"detail": message}`) under /api and an HTML error page elsewhere, so a
rule is written once and reads right in the browser, the CLI and the OpenAPI clients.
"""

from __future__ import annotations

from typing import ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException


class DomainError(Exception):
    """A rule refused the request; `message` is written for the user."""

    status_code: ClassVar[int] = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(DomainError):
    status_code = 400


class NotAuthenticated(DomainError):
    status_code = 401


class Forbidden(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class PayloadTooLarge(DomainError):
    status_code = 413


class Invalid(DomainError):
    """Well-formed but unacceptable input (a binary file, an unsafe file name...)."""

    status_code = 422


class TooEarly(DomainError):
    """Not yet: the event has not opened, or the last submission was too recent."""

    status_code = 425


class TooManyRequests(DomainError):
    status_code = 429


def wants_json(request: Request) -> bool:
    """True for API calls: they get JSON errors, the browser gets pages."""
    return request.url.path.startswith("/api")


def install_error_handlers(app: FastAPI) -> None:
    """Render domain and HTTP errors as JSON under /api and as a page elsewhere."""

    async def domain_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, DomainError)
        return render_error(request, error.status_code, error.message)

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        headers = getattr(error, "headers", None)
        return render_error(request, error.status_code, str(error.detail), headers=headers)

    async def validation_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        if wants_json(request):
            # Same shape as FastAPI's default, which the OpenAPI schema documents.
            errors = [
                {key: value for key, value in item.items() if key in ("loc", "msg", "type")}
                for item in error.errors()
            ]
            return JSONResponse({"detail": errors}, status_code=422)
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc'][1:])}: {item['msg']}"
            for item in error.errors()
        )
        return render_error(request, 422, f"The form was not filled in correctly: {problems}")

    async def data_error(request: Request, error: Exception) -> Response:
        # Values the database refuses to even compare (a NUL byte in a name, an id past
        # 32 bits): bad input, not a server fault. Whatever was written is rolled back.
        return render_error(
            request, 400, "The request holds characters or values that cannot be stored."
        )

    async def integrity_error(request: Request, error: Exception) -> Response:
        # Two requests raced past the same check (the same submission name sent twice at
        # once): the database's unique constraints had the last word.
        return render_error(
            request, 409, "This conflicts with something saved meanwhile; reload and retry."
        )

    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(DataError, data_error)
    app.add_exception_handler(IntegrityError, integrity_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)


def render_error(
    request: Request, status_code: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    if wants_json(request):
        return JSONResponse({"detail": message}, status_code=status_code, headers=headers)
    from server.web import render  # the templates need the app's settings; import late

    if status_code == 401:
        # A page that needs a signed-in user sends the browser to the sign-in form.
        from fastapi.responses import RedirectResponse

        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    return render(
        request,
        "error.html",
        {"status_code": status_code, "message": message},
        status_code=status_code,
        headers=headers,
    )
