"""Jinja2 templates and the helpers every HTML page uses (render, flash, redirect)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from server.errors import DomainError
from server.security import csrf_token

FRONTEND_DIR = Path(__file__).resolve().parents[1] / "frontend"
TEMPLATES_DIR = FRONTEND_DIR / "templates"
STATIC_DIR = FRONTEND_DIR / "static"
NODE_MODULES_DIR = FRONTEND_DIR / "node_modules"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


def _format_time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def _format_score(value: float | None, precision: int = 4) -> str:
    return "—" if value is None else f"{value:.{precision}f}"


def _format_seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}s"


templates.env.filters["time"] = _format_time
templates.env.filters["score"] = _format_score
templates.env.filters["seconds"] = _format_seconds


def flash(request: Request, message: str, category: str = "info") -> None:
    """A message shown once, on the next page rendered."""
    request.session.setdefault("flash", []).append([category, message])


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    user = getattr(request.state, "user_view", None)
    flashes = request.session.pop("flash", []) if "session" in request.scope else []
    full_context = {
        "current_user": user,
        "csrf_token": csrf_token(request) if "session" in request.scope else "",
        "flashes": flashes,
        "has_codemirror": (NODE_MODULES_DIR / "codemirror" / "lib" / "codemirror.js").exists(),
        **(context or {}),
    }
    return templates.TemplateResponse(
        request, template, full_context, status_code=status_code, headers=headers
    )


def render_refusal(
    request: Request, template: str, context: dict[str, Any], error: DomainError
) -> HTMLResponse:
    """The form page again, with what was typed and the rule that refused it."""
    return render(
        request, template, {**context, "error": error.message}, status_code=error.status_code
    )


def redirect(url: str) -> RedirectResponse:
    """Post/redirect/get: 303 so that reloading the next page does not resubmit."""
    return RedirectResponse(url, status_code=303)
