"""Accounts and their users: the only source of a user's plan, support tier and role.

What a user says about their plan never reaches this module; the escalation actions
read it here, for the identity the help-center channel verified.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, select
from sqlalchemy.orm import Session, relationship

from bot.storage.engine import Base, UTCDateTime, utcnow

PLANS = ("basic", "pro", "business", "education", "enterprise", "api")
SUPPORT_TIERS = ("standard", "premier", "premier_plus")
ROLES = ("owner", "admin", "member")


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
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
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
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
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
