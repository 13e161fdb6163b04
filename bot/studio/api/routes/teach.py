"""Teaching from the inbox: a training example for an intent, a question for an article.

Each edit writes the same files developers edit (``data/nlu/<lang>/``,
``data/kb/<lang>/``), so it can be reviewed in git; the inbox message is marked taught.
"""

from __future__ import annotations

from fastapi import APIRouter

from bot.studio.api.deps import ContextDep, CurrentEditor, StudioError
from bot.studio.api.schemas import EditOut, ProblemOut, TeachIntentIn, TeachQuestionIn

router = APIRouter(prefix="/api/studio/teach", tags=["studio"])


def refused(error: Exception) -> StudioError:
    """A refused edit as the API's error, with every problem."""
    problems = [ProblemOut(**dict(problem)) for problem in getattr(error, "problems", [])]
    return StudioError(422, "invalid_edit",
                       problems[0].message if problems else str(error), problems=problems)


@router.post("/intent", response_model=EditOut)
def teach_intent(body: TeachIntentIn, context: ContextDep, editor: CurrentEditor) -> EditOut:
    """Confirms or corrects the intent of a message: adds it as a training example."""
    from bot.studio.teaching import EditRefused, add_training_example

    try:
        result = add_training_example(context.settings.content_root, body.lang,
                                      body.intent, body.text)
    except EditRefused as error:
        raise refused(error) from error
    if body.message_key:
        with context.unit_of_work() as uow:
            uow.editors.decide(body.message_key, "taught",
                               f"intent {body.intent}: {result['file']}", editor.id,
                               context.clock())
    return EditOut(file=result["file"], detail=result["detail"])


@router.post("/question", response_model=EditOut)
def teach_question(body: TeachQuestionIn, context: ContextDep,
                   editor: CurrentEditor) -> EditOut:
    """Adds a message to an article's questions."""
    from bot.studio.teaching import EditRefused, add_article_question

    try:
        result = add_article_question(context.settings.content_root, body.lang,
                                      body.article_id, body.question)
    except EditRefused as error:
        raise refused(error) from error
    if body.message_key:
        with context.unit_of_work() as uow:
            uow.editors.decide(body.message_key, "taught",
                               f"article {body.article_id}: {result['file']}", editor.id,
                               context.clock())
    return EditOut(file=result["file"], detail=result["detail"])
