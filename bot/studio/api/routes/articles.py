"""New articles: a five-language template, checks and preview as the editor types, create."""

from __future__ import annotations

from fastapi import APIRouter

from bot.studio.api.deps import ContextDep, CurrentEditor, StudioError
from bot.studio.api.routes.inbox import MAX_KEY_LENGTH
from bot.studio.api.routes.teach import refused
from bot.studio.api.schemas import (
    ArticleCreatedOut,
    ArticleDraftIn,
    CatalogueOut,
    DraftCheckOut,
    ProblemOut,
)
from bot.studio.content import catalogue_path

router = APIRouter(prefix="/api/studio/articles", tags=["studio"])


def _draft(body: ArticleDraftIn):  # -> bot.studio.teaching.ArticleDraft
    from pydantic import ValidationError

    from bot.studio.teaching import ArticleDraft

    try:
        return ArticleDraft.parse_obj(body.dict(exclude={"message_keys"}))
    except ValidationError as error:
        problems = [ProblemOut(field=".".join(str(p) for p in e["loc"]), message=e["msg"])
                    for e in error.errors()]
        raise StudioError(422, "invalid_edit", problems[0].message,
                          problems=problems) from error


@router.get("/template", response_model=ArticleDraftIn)
def template(editor: CurrentEditor, id: str = "") -> ArticleDraftIn:
    """The skeleton of a new article in five languages."""
    from bot.studio.teaching import template as article_template

    return ArticleDraftIn.parse_obj(article_template(id).dict())


@router.post("/check", response_model=DraftCheckOut)
def check(body: ArticleDraftIn, context: ContextDep, editor: CurrentEditor) -> DraftCheckOut:
    """What is wrong with a draft, its preview per language, and the catalogue's view."""
    from bot.studio.teaching import check_article_draft

    report = check_article_draft(context.settings.content_root, _draft(body),
                                 catalogue_path(context.settings.content_root))
    catalogue = report["catalogue"]
    if not catalogue["available"]:
        detail = f"the catalogue ({catalogue['path']}) was not found"
    elif catalogue["listed"]:
        detail = f"In the catalogue: {catalogue['title']}. It must state: " + "; ".join(
            catalogue["covers"])
    else:
        detail = "Not in the catalogue: an extra article, not one every language must have."
    return DraftCheckOut(
        problems=[ProblemOut(**p) for p in report["problems"]],
        preview=dict(report["preview"]),
        catalogue=CatalogueOut(listed=catalogue["listed"], detail=detail),
    )


@router.post("", response_model=ArticleCreatedOut)
def create(body: ArticleDraftIn, context: ContextDep, editor: CurrentEditor
           ) -> ArticleCreatedOut:
    """Writes the five files of a new article; nothing is written when a check fails."""
    from bot.studio.teaching import EditRefused, create_article

    try:
        results = create_article(context.settings.content_root, _draft(body),
                                 catalogue_path(context.settings.content_root))
    except EditRefused as error:
        raise refused(error) from error
    with context.unit_of_work() as uow:
        for key in body.message_keys:
            if key.strip() and len(key) <= MAX_KEY_LENGTH:
                uow.editors.decide(key, "taught", f"new article {body.id}", editor.id,
                                   context.clock())
    return ArticleCreatedOut(files=[r["file"] for r in results])
