"""Accounts API: exchange a password for a CLI token, and who am I."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from server.accounts import service
from server.accounts.schemas import MeRead, TokenRequest, TokenResponse
from server.security import AppSettings, CurrentUser, DbSession, client_ip

router = APIRouter(prefix="/api", tags=["accounts"])


@router.post(
    "/token",
    response_model=TokenResponse,
    responses={401: {"description": "Wrong credentials"}, 429: {"description": "Throttled"}},
)
def create_token(
    body: TokenRequest, request: Request, session: DbSession, settings: AppSettings
) -> TokenResponse | JSONResponse:
    """Sign in with a username (or email) and password; returns a new API token."""
    user = service.authenticate(
        session=session,
        settings=settings,
        login=body.username,
        password=body.password,
        ip_address=client_ip(request),
    )
    if user is None:
        # Not raised: the failed attempt must be committed for throttling to count it.
        return JSONResponse({"detail": "Wrong username or password."}, status_code=401)
    return TokenResponse(token=service.issue_api_token(session=session, user=user))


@router.get("/me", response_model=MeRead, responses={401: {"description": "Not signed in"}})
def read_me(user: CurrentUser) -> MeRead:
    """The signed-in user."""
    return MeRead.model_validate(user)
