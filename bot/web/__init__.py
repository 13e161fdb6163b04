"""The web port's help center.

The demo site, the chat widget's files and, in development, the "sign in as" token
endpoint. The live-agent API and the agent console share the port.
"""
