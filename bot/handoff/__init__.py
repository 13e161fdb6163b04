"""Hop 6, handoff: the assistant's handoff records, the outbox and its worker, the client.

The assistant reaches the live-agent service only over HTTP, through
``live_agent_client``; the outbox makes sure no handoff is lost when the service is down.
"""
