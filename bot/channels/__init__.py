"""Rasa input channels of the help center."""
