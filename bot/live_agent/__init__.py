"""The live-agent service: tickets from the assistant, a queue, agents, the agent console.

``make run`` (``python -m bot run``) does not start it as a process of its own. It starts
the web process, ``python -m bot.web`` (see ``bot.runtime.processes``), which builds this
service's app with ``bot.live_agent.__main__.build_app`` (migrate its database, seed the
demo agents in development) and adds the help-center site to that app: the API, the
console and the site share the web port. With ``HELPBOT_START_LIVE_AGENT=false``,
``make run`` starts no web process (the service runs elsewhere);
``python -m bot.live_agent`` serves the service alone, for that case.

It has its own database and migrations. The assistant talks to it over HTTP with the
service token (``bot.handoff.live_agent_client``); agents use the console at ``/console``.
"""
