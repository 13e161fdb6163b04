"""The managers' dashboard (``/dashboard`` on the web port): both sides' figures, drawn.

Beside the message path, like the studio. The assistant's figures come from
``bot.reporting`` (the rollup is brought up to date before each read); the humans' from
the live-agent service over HTTP (``GET /api/reports/tickets``), asked with the signed-in
agent's own console session, so the live-agent service alone decides who is a manager.

- ``bot.dashboard.figures``: both reports + filters -> what the page draws (pure).
- ``bot.dashboard.sources``: where the figures are read (rollup, live-agent HTTP).
- ``bot.dashboard.api``: the page and ``GET /api/dashboard/figures``.

No person is named on the dashboard: only counts, article ids and titles, agent ids
(staff) and unanswered topics masked by the engine.
"""
