"""Dialogue policies of our own, beside Rasa's rules (listed in config.yml)."""
