"""Hop 1, widget: the help-center pages, the chat widget and the development sign-in.

The demo site, the chat widget's files and, in development, the "sign in as" token
endpoint. The live-agent API and the agent console share the port.
"""
