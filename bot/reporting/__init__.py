"""The help center's figures, assistant side: what the assistant did, per day, language, plan.

A hop beside the message path, like the studio: it reads Rasa's stored conversations
(the tracker store's ``events`` table) and the assistant's database (the 👍/👎 votes,
conversation owners and accounts), and writes only its own rollup tables. The humans'
figures live in the live-agent service (``bot.live_agent.reports``), reached over HTTP.

- ``bot.reporting.facts``: one conversation's events -> its facts (pure).
- ``bot.reporting.rollup``: the incremental rollup (``update``) from a watermark.
- ``bot.reporting.figures``: the figures for a period, as typed wire structures.

Every figure is defined in the README ("Figures").
"""
