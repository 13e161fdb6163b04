"""The help center's demo content: video tutorials, community threads and popular topics.

The files live in ``data/demo/`` (``videos.yml``, ``community.yml``, ``help_center.yml``,
``release_notes.yml``); every text is given in each of the five languages, and loading
fails on a missing one.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Literal, Optional

import yaml
from pydantic import BaseModel, validator

from kb_index.articles import LANGUAGES

DEMO_DIR = Path(__file__).resolve().parents[2] / "data" / "demo"

Localized = Dict[str, str]


def _every_language(value: Localized) -> Localized:
    missing = set(LANGUAGES) - {lang for lang, text in value.items() if text.strip()}
    if missing:
        raise ValueError(f"no text in {sorted(missing)}")
    return value


class Video(BaseModel):
    """One tutorial: its length and the article with the same steps (no video file)."""

    id: str
    seconds: int
    article: str
    home: bool = False
    title: Localized
    description: Localized

    _texts = validator("title", "description", allow_reuse=True)(_every_language)

    @property
    def duration(self) -> str:
        """``m:ss``, as a video player shows a length."""
        return f"{self.seconds // 60}:{self.seconds % 60:02d}"

    @property
    def iso_duration(self) -> str:
        """The length for ``<time datetime>``."""
        return f"PT{self.seconds // 60}M{self.seconds % 60}S"


class VideoTopic(BaseModel):
    """A group of tutorials on the videos page."""

    id: str
    title: Localized
    videos: List[Video]

    _texts = validator("title", allow_reuse=True)(_every_language)


class Training(BaseModel):
    """A free training course, live or recorded."""

    id: str
    kind: Literal["live", "recorded"]
    title: Localized
    description: Localized

    _texts = validator("title", "description", allow_reuse=True)(_every_language)


class VideosFile(BaseModel):
    """``data/demo/videos.yml``."""

    topics: List[VideoTopic]
    training: List[Training]

    def home_videos(self) -> List[Video]:
        """The tutorials of the home page's block below the search box."""
        return [video for topic in self.topics for video in topic.videos if video.home]


class ForumCategory(BaseModel):
    """A community forum category."""

    id: str
    title: Localized

    _texts = validator("title", allow_reuse=True)(_every_language)


class ForumThread(BaseModel):
    """A forum thread as the topic list shows it."""

    id: str
    category: str
    replies: int
    answered: bool
    last_activity: dt.date
    title: Localized

    _texts = validator("title", allow_reuse=True)(_every_language)


class CommunityFile(BaseModel):
    """``data/demo/community.yml``."""

    categories: List[ForumCategory]
    threads: List[ForumThread]

    @validator("threads")
    def _known_categories(cls, threads: List[ForumThread],
                          values: Dict[str, List[ForumCategory]]) -> List[ForumThread]:
        known = {c.id for c in values.get("categories", [])}
        unknown = {t.category for t in threads} - known
        if unknown:
            raise ValueError(f"unknown categories {sorted(unknown)}")
        return threads


class PopularTopic(BaseModel):
    """A home-page topic: a title and the ids of its articles."""

    id: str
    title: Localized
    articles: List[str]

    _texts = validator("title", allow_reuse=True)(_every_language)


class Resource(BaseModel):
    """An entry of the top 20 resources: an article id or a video id."""

    article: Optional[str] = None
    video: Optional[str] = None

    @validator("video", always=True)
    def _one_of(cls, video: Optional[str], values: Dict[str, object]) -> Optional[str]:
        if (video is None) == (values.get("article") is None):
            raise ValueError("give either `article` or `video`")
        return video


class HelpCenterFile(BaseModel):
    """``data/demo/help_center.yml``."""

    topics: List[PopularTopic]
    top_resources: List[Resource]


class ReleaseNote(BaseModel):
    """One day's release note."""

    date: dt.date
    version: str
    text: Localized

    _texts = validator("text", allow_reuse=True)(_every_language)


class ReleaseNotesFile(BaseModel):
    """``data/demo/release_notes.yml``."""

    notes: List[ReleaseNote]


def _read(name: str) -> object:
    return yaml.safe_load((DEMO_DIR / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def videos() -> VideosFile:
    """The video tutorials and the free training."""
    return VideosFile.parse_obj(_read("videos.yml"))


@lru_cache(maxsize=1)
def community() -> CommunityFile:
    """The forum's categories and threads."""
    return CommunityFile.parse_obj(_read("community.yml"))


@lru_cache(maxsize=1)
def help_center() -> HelpCenterFile:
    """The home page's popular topics."""
    return HelpCenterFile.parse_obj(_read("help_center.yml"))


@lru_cache(maxsize=1)
def release_notes() -> ReleaseNotesFile:
    """The release notes, newest first."""
    return ReleaseNotesFile.parse_obj(_read("release_notes.yml"))


def video_by_id() -> Dict[str, Video]:
    """Every tutorial by id."""
    return {video.id: video for topic in videos().topics for video in topic.videos}
