"""Validating hand-written data files with pydantic, and reporting problems in one style.

Every problem is one line ``<file>: <field path>: <problem>``, for example::

    data/demo/accounts.yml: accounts[2].users[0].role: 'boss' is not one of owner, admin, member
    data/kb/fr/audio-not-working.md: questions: needs at least 5 entries, has 3
    data/priority/train/it.tsv: line 14: priority: 'P5' is not one of P1, P2, P3, P4

The file is named relative to the project when it lies inside it. Field paths count list
entries from 0 (``accounts[2]`` is the third account); TSV files name the line (from 1).
Problems that concern the whole file use the field ``file`` (or ``front matter``).

Both ``kb_index`` and ``bot`` use this module; it imports nothing from either.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import (
    Any,
    Callable,
    Dict,
    Hashable,
    Iterable,
    List,
    Literal,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Type,
    TypeVar,
    Union,
    get_args,
)

import yaml
from pydantic import BaseModel, ConstrainedStr, Extra, ValidationError

PROJECT_ROOT = Path(__file__).resolve().parents[1]

Language = Literal["ru", "nb", "fr", "it", "en"]
LANGUAGES: Tuple[str, ...] = get_args(Language)

Location = Tuple[Union[int, str], ...]
Locate = Callable[[Location], str]
ModelT = TypeVar("ModelT", bound=BaseModel)
_MISSING = object()


class Text(ConstrainedStr):
    """Non-empty text (surrounding white space removed); numbers and booleans are refused."""

    strip_whitespace = True
    min_length = 1
    strict = True


class RawText(ConstrainedStr):
    """Non-empty text kept exactly as written (passwords)."""

    min_length = 1
    strict = True


class DataModel(BaseModel):
    """A data file's model: unknown fields are errors, so a misspelt field is reported."""

    class Config:
        extra = Extra.forbid


@dataclass(frozen=True)
class Problem:
    """One problem: where in the file (``field``) and what is wrong (``message``)."""

    field: str
    message: str


def display_path(path: Union[str, Path]) -> str:
    """The file's name in messages: relative to the project when inside it."""
    try:
        return Path(path).resolve().relative_to(PROJECT_ROOT).as_posix()
    except (ValueError, OSError):
        return str(path)


class DataFileError(ValueError):
    """A data file is broken; each line of the message is ``<file>: <field>: <problem>``.

    Attributes:
        path: the file.
        problems: every problem found, in the order of the file.
        field: the first problem's field path.
    """

    def __init__(self, path: Union[str, Path], field: str, problem: str,
                 *more: Problem) -> None:
        self.path = Path(path)
        self.problems: Tuple[Problem, ...] = (Problem(field, problem), *more)
        shown = display_path(path)
        super().__init__("\n".join(f"{shown}: {p.field}: {p.message}" for p in self.problems))

    @property
    def field(self) -> str:
        """The first problem's field path."""
        return self.problems[0].field

    @classmethod
    def of(cls, path: Union[str, Path], problems: Sequence[Problem]) -> DataFileError:
        """The error listing ``problems`` (at least one)."""
        first, *more = problems
        return cls(path, first.field, first.message, *more)


def field_path(location: Location) -> str:
    """``('accounts', 2, 'users', 0, 'role')`` -> ``accounts[2].users[0].role``."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "file"


def quoted(value: Any) -> str:
    """A value as a message shows it: ``'boss'``, ``5``, ``true``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def describe(value: Any) -> str:
    """What a wrong value is, for ``expected X, got <this>``."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return quoted(value)
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"text {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return f"a date ({value})"
    return type(value).__name__


def value_at(data: Any, location: Location) -> Any:
    """The raw input value at a pydantic location, or ``_MISSING``."""
    for part in location:
        if isinstance(part, int) and isinstance(data, list) and 0 <= part < len(data):
            data = data[part]
        elif isinstance(part, str) and isinstance(data, dict) and part in data:
            data = data[part]
        else:
            return _MISSING
    return data


def _model_at(model: Type[BaseModel], location: Location) -> Optional[Type[BaseModel]]:
    """The (nested) model whose fields hold ``location``'s last part."""
    current: Any = model
    for part in location:
        if isinstance(part, int):
            continue
        fields = getattr(current, "__fields__", None)
        if fields is None or part not in fields:
            return None
        current = fields[part].type_
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _entries(count: int) -> str:
    return f"{count} {'entry' if count == 1 else 'entries'}"


def problem_text(error: Mapping[str, Any], data: Any, model: Type[BaseModel]) -> str:
    """One pydantic error (from ``ValidationError.errors()``) as a sentence."""
    kind, location = error["type"], tuple(error["loc"])
    context = error.get("ctx", {})
    value = value_at(data, location)
    if kind == "value_error.missing":
        return "missing"
    if kind == "value_error.extra":
        owner = _model_at(model, location[:-1])
        known = ", ".join(owner.__fields__) if owner else ""
        return f"unknown field; expected one of {known}" if known else "unknown field"
    if kind in ("type_error.none.not_allowed", "value_error.any_str.min_length"):
        return "is empty"
    if kind == "value_error.const":
        permitted = ", ".join(str(p) for p in context["permitted"])
        return f"{quoted(context['given'])} is not one of {permitted}"
    if kind == "value_error.list.min_items":
        has = len(value) if isinstance(value, list) else 0
        return f"needs at least {_entries(context['limit_value'])}, has {has}"
    if kind == "type_error.str":
        hint = (" (YAML reads unquoted yes, no, on, off as true or false; quote the value)"
                if isinstance(value, bool) else "")
        return f"expected text, got {describe(value)}{hint}"
    if kind == "type_error.list":
        return f"expected a list, got {describe(value)}"
    if kind == "type_error.dict":
        return f"expected a mapping, got {describe(value)}"
    if kind == "value_error.strictbool":
        return f"expected true or false, got {describe(value)}"
    return str(error["msg"])


def problems_of(error: ValidationError, data: Any, model: Type[BaseModel],
                locate: Locate = field_path) -> List[Problem]:
    """Every problem of a ``ValidationError``; ``locate`` names a location's field."""
    return [Problem(locate(tuple(e["loc"])), problem_text(e, data, model))
            for e in error.errors()]


def check(model: Type[ModelT], data: Any,
          locate: Locate = field_path) -> Tuple[Optional[ModelT], List[Problem]]:
    """``(model parsed from data, [])``, or ``(None, every problem)``."""
    try:
        return model.parse_obj(data), []
    except ValidationError as invalid:
        return None, problems_of(invalid, data, model, locate)


def validate(model: Type[ModelT], data: Any, path: Union[str, Path],
             error: Type[DataFileError], locate: Locate = field_path) -> ModelT:
    """``model`` parsed from ``data``; raises ``error`` listing every problem."""
    parsed, problems = check(model, data, locate)
    if parsed is None:
        raise error.of(path, problems)
    return parsed


def duplicates(entries: Iterable[Tuple[Hashable, str]],
               message: str = "{value} is a duplicate of {first}") -> List[Problem]:
    """A problem for every ``(value, field)`` whose value an earlier entry already has.

    ``message`` may use ``{value}`` (quoted) and ``{first}`` (the earlier entry's field).
    """
    first: Dict[Hashable, str] = {}
    found = []
    for value, field in entries:
        if value in first:
            found.append(Problem(field, message.format(value=quoted(value), first=first[value])))
        else:
            first[value] = field
    return found


def read_text(path: Path, error: Type[DataFileError]) -> str:
    """The file's UTF-8 text; raises ``error`` (field ``file``) if unreadable."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise error(path, "file", "is not UTF-8 text") from None
    except OSError as failure:
        raise error(path, "file", f"cannot be read ({failure.strerror or failure})") from None


def parse_yaml(text: str, path: Path, error: Type[DataFileError], field: str = "file",
               first_line: int = 1) -> Any:
    """YAML text parsed safely; raises ``error`` naming the line of a syntax error.

    Args:
        text: the YAML.
        path: the file it comes from.
        error: the exception to raise.
        field: the field naming the YAML block in messages.
        first_line: the file line on which ``text`` starts.
    """
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as failure:
        mark = failure.problem_mark or failure.context_mark
        where = (f" at line {mark.line + first_line}, column {mark.column + 1}"
                 if mark is not None else "")
        raise error(path, field, f"invalid YAML{where}: {failure.problem or failure}") from None
    except yaml.YAMLError as failure:
        raise error(path, field, f"invalid YAML: {failure}") from None


def read_yaml_mapping(path: Path, error: Type[DataFileError], key: str) -> Dict[str, Any]:
    """A YAML file that must hold a mapping with ``key``; raises ``error`` if not."""
    data = parse_yaml(read_text(path, error), path, error)
    if data is None:
        raise error(path, "file", f"is empty; expected a mapping with '{key}'")
    if not isinstance(data, dict):
        raise error(path, "file", f"expected a mapping with '{key}', got {describe(data)}")
    return data
