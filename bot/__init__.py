"""helpbot: a multilingual help-center assistant built on Rasa 3.6."""

SUPPORTED_LANGUAGES = ("ru", "nb", "fr", "it", "en")
DEFAULT_LANGUAGE = "en"
