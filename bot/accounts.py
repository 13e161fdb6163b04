"""Accounts and their users: the only source of a user's plan, support tier and role.

What a user says about their plan never reaches this module; the escalation actions
read it here, for the identity the help-center channel verified.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml
from sqlalchemy import CheckConstraint, Column, DateTime, ForeignKey, String, select
from sqlalchemy.orm import Session, relationship

from bot import SUPPORTED_LANGUAGES
from bot.db import Base, utcnow

PLANS = ("basic", "pro", "business", "education", "enterprise", "api")
SUPPORT_TIERS = ("standard", "premier", "premier_plus")
ROLES = ("owner", "admin", "member")
DEMO_ACCOUNTS = Path(__file__).resolve().parent.parent / "data" / "demo" / "accounts.yml"


def _one_of(column: str, values: tuple) -> CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=f"ck_{column}_valid")


class Account(Base):
    """A customer account: one plan and one support tier for all its users."""

    __tablename__ = "accounts"
    __table_args__ = (_one_of("plan", PLANS), _one_of("support_tier", SUPPORT_TIERS))

    id = Column(String(64), primary_key=True)
    name = Column(String(200), nullable=False)
    plan = Column(String(20), nullable=False)
    support_tier = Column(String(20), nullable=False, default="standard")
    country = Column(String(2), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    users = relationship("User", back_populates="account")


class User(Base):
    """A person who signs in to the help center."""

    __tablename__ = "users"
    __table_args__ = (_one_of("role", ROLES),)

    id = Column(String(64), primary_key=True)
    account_id = Column(String(64), ForeignKey("accounts.id"), nullable=False, index=True)
    name = Column(String(200), nullable=False)
    email = Column(String(254), nullable=False, unique=True)
    role = Column(String(10), nullable=False)
    language = Column(String(5), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    account = relationship("Account", back_populates="users")


@dataclass(frozen=True)
class UserAccount:
    """What the escalation policy needs to know about a signed-in user."""

    user_id: str
    name: str
    email: str
    role: str
    language: str
    account_id: str
    plan: str
    support_tier: str
    country: str


def _user_account(user: User, account: Account) -> UserAccount:
    return UserAccount(
        user_id=user.id, name=user.name, email=user.email, role=user.role,
        language=user.language, account_id=account.id, plan=account.plan,
        support_tier=account.support_tier, country=account.country,
    )


class AccountRepository:
    """Reads and writes accounts and users within one session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def user_account(self, user_id: str) -> Optional[UserAccount]:
        """Returns the user with their account's plan, or None for an unknown id."""
        row = self._session.execute(
            select(User, Account).join(Account, User.account_id == Account.id)
            .where(User.id == user_id)
        ).first()
        return None if row is None else _user_account(*row)

    def user_accounts(self) -> List[UserAccount]:
        """Every user with their account's plan, sorted by user id."""
        rows = self._session.execute(
            select(User, Account).join(Account, User.account_id == Account.id)
            .order_by(User.id))
        return [_user_account(user, account) for user, account in rows]

    def account_name(self, account_id: str) -> str:
        """The account's display name ("" for an unknown id)."""
        account = self._session.get(Account, account_id)
        return "" if account is None else str(account.name)

    def user_ids(self) -> List[str]:
        """Every user id, sorted."""
        return list(self._session.execute(select(User.id).order_by(User.id)).scalars())

    def upsert_account(self, **fields: Any) -> None:
        """Creates or updates an account by id."""
        account = self._session.get(Account, fields["id"]) or Account(id=fields["id"])
        for name, value in fields.items():
            setattr(account, name, value)
        self._session.add(account)

    def upsert_user(self, **fields: Any) -> None:
        """Creates or updates a user by id."""
        user = self._session.get(User, fields["id"]) or User(id=fields["id"])
        for name, value in fields.items():
            setattr(user, name, value)
        self._session.add(user)


class DemoDataError(ValueError):
    """The demo data file is malformed; the message names the file and the entry."""


def _require(entry: Dict[str, Any], field: str, where: str,
             allowed: Optional[tuple] = None) -> str:
    value = entry.get(field)
    if not isinstance(value, str) or not value.strip():
        raise DemoDataError(f"{where}: missing field {field!r}")
    if allowed is not None and value not in allowed:
        raise DemoDataError(f"{where}: {field} {value!r} is not one of {', '.join(allowed)}")
    return value.strip()


def load_demo_accounts(path: Path = DEMO_ACCOUNTS) -> List[Dict[str, Any]]:
    """Reads and validates ``data/demo/accounts.yml``; returns its accounts."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    accounts = data.get("accounts")
    if not isinstance(accounts, list) or not accounts:
        raise DemoDataError(f"{path}: expected a non-empty list under 'accounts'")
    seen_users: set = set()
    for number, account in enumerate(accounts, start=1):
        where = f"{path}: account #{number}"
        if not isinstance(account, dict):
            raise DemoDataError(f"{where}: expected a mapping")
        _require(account, "id", where)
        where = f"{path}: account {account['id']}"
        _require(account, "name", where)
        _require(account, "plan", where, PLANS)
        _require(account, "support_tier", where, SUPPORT_TIERS)
        country = _require(account, "country", where)
        if len(country) != 2 or not country.isalpha() or not country.isupper():
            raise DemoDataError(f"{where}: country {country!r} is not an ISO 3166 alpha-2 code")
        users = account.get("users")
        if not isinstance(users, list) or not users:
            raise DemoDataError(f"{where}: expected a non-empty list under 'users'")
        for user in users:
            user_id = _require(user, "id", where)
            user_where = f"{where}, user {user_id}"
            if user_id in seen_users:
                raise DemoDataError(f"{user_where}: duplicate user id")
            seen_users.add(user_id)
            for field in ("name", "email"):
                _require(user, field, user_where)
            _require(user, "role", user_where, ROLES)
            _require(user, "language", user_where, SUPPORTED_LANGUAGES)
    return accounts


def seed_accounts(repository: AccountRepository, path: Path = DEMO_ACCOUNTS) -> int:
    """Writes the demo accounts and users (idempotent); returns the number of users."""
    count = 0
    for account in load_demo_accounts(path):
        repository.upsert_account(
            id=account["id"], name=account["name"], plan=account["plan"],
            support_tier=account["support_tier"], country=account["country"])
        for user in account["users"]:
            repository.upsert_user(
                id=user["id"], account_id=account["id"], name=user["name"],
                email=user["email"], role=user["role"], language=user["language"])
            count += 1
    return count
