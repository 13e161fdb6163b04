"""The live-agent service: tickets from the assistant, a queue, agents, the agent console.

It runs as its own process (``python -m bot.live_agent``, started by ``make run`` on the
web port) with its own database and migrations. The assistant talks to it over HTTP with
the service token (``bot.live_agent.client``); agents use the console at ``/console``.
"""
