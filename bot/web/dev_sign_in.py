"""Development-only "sign in as": the demo users and a token for one of them.

Only mounted when ``HELPBOT_ENVIRONMENT=development``; in production the routes do not
exist (404), and real sign-in is the help center's job.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError

from bot.accounts.identity import DEFAULT_TOKEN_LIFETIME, issue_token
from bot.storage.engine import SchemaOutOfDate


def accounts_unavailable() -> JSONResponse:
    """The answer when the accounts database cannot be read."""
    return JSONResponse({"error": "accounts_unavailable",
                         "detail": "the accounts database is not reachable; try again"},
                        status_code=503)


class TokenRequest(BaseModel):
    """Which demo user to sign in as."""

    user_id: str = Field(..., min_length=1, max_length=64)


def dev_sign_in_router(unit_of_work: Callable[[], Any], jwt_secret: str) -> APIRouter:
    """Builds the ``/dev/users`` and ``/dev/token`` routes."""
    router = APIRouter(prefix="/dev")

    @router.get("/users")
    def users() -> Any:
        try:
            with unit_of_work() as uow:
                found = uow.accounts.user_accounts()
        except (SQLAlchemyError, SchemaOutOfDate):
            return accounts_unavailable()
        return [{"id": u.user_id, "name": u.name, "plan": u.plan, "role": u.role,
                 "support_tier": u.support_tier, "language": u.language} for u in found]

    @router.post("/token")
    def token(body: TokenRequest) -> Any:
        try:
            with unit_of_work() as uow:
                user = uow.accounts.user_account(body.user_id)
        except (SQLAlchemyError, SchemaOutOfDate):
            return accounts_unavailable()
        if user is None:
            return JSONResponse({"error": "unknown_user",
                                 "detail": f"no demo user {body.user_id!r}"}, status_code=404)
        lifetime: timedelta = DEFAULT_TOKEN_LIFETIME
        return {"token": issue_token(user.user_id, jwt_secret, lifetime),
                "expires_in": int(lifetime.total_seconds()),
                "user": {"id": user.user_id, "name": user.name, "plan": user.plan,
                         "role": user.role}}

    return router
