"""Hop 2, channel: the help-center chat endpoint, its gate (JWT), input checks and the relay.

``helpcenter`` is the Rasa input channel; ``validation``, ``user_text`` and ``payloads``
normalise and screen what users type; ``live_relay`` carries messages during a handoff.
"""
