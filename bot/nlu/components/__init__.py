"""Custom Rasa 3.6 graph components (registered when imported by config.yml)."""
