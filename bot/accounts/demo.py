"""The demo accounts and users of ``data/demo/accounts.yml``: validated, then seeded."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Literal

from pydantic import Field, validator

from bot.accounts.store import AccountRepository
from kb_index.data_files import (
    DataFileError,
    DataModel,
    Language,
    Text,
    duplicates,
    read_yaml_mapping,
    validate,
)

DEMO_ACCOUNTS = Path(__file__).resolve().parents[2] / "data" / "demo" / "accounts.yml"

# The closed sets of ``bot.accounts.store`` (PLANS, SUPPORT_TIERS, ROLES); a test keeps
# them equal.
Plan = Literal["basic", "pro", "business", "education", "enterprise", "api"]
SupportTier = Literal["standard", "premier", "premier_plus"]
Role = Literal["owner", "admin", "member"]
COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")


class DemoDataError(DataFileError):
    """The demo data file is malformed; each line names the file and the field."""


class DemoUser(DataModel):
    """A user of a demo account."""

    id: Text
    name: Text
    email: Text
    role: Role
    language: Language


class DemoAccount(DataModel):
    """A demo account and its users."""

    id: Text
    name: Text
    plan: Plan
    support_tier: SupportTier
    country: Text
    users: List[DemoUser] = Field(..., min_items=1)

    @validator("country")
    def _iso_country(cls, value: str) -> str:
        if not COUNTRY_CODE.match(value):
            raise ValueError(f"'{value}' is not an ISO 3166 alpha-2 code")
        return value


class DemoAccountsFile(DataModel):
    """``data/demo/accounts.yml``."""

    accounts: List[DemoAccount] = Field(..., min_items=1)


def load_demo_accounts(path: Path = DEMO_ACCOUNTS) -> List[Dict[str, Any]]:
    """Reads and validates ``data/demo/accounts.yml``; returns its accounts.

    Account ids and user ids (across all accounts) must be unique.

    Raises:
        DemoDataError: naming the file and every broken field.
    """
    data = read_yaml_mapping(path, DemoDataError, "accounts")
    accounts = validate(DemoAccountsFile, data, path, DemoDataError).accounts
    problems = duplicates((account.id, f"accounts[{number}].id")
                          for number, account in enumerate(accounts))
    problems += duplicates((user.id, f"accounts[{number}].users[{index}].id")
                           for number, account in enumerate(accounts)
                           for index, user in enumerate(account.users))
    if problems:
        raise DemoDataError.of(path, problems)
    return [account.dict() for account in accounts]


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
