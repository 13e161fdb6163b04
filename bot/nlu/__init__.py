"""Hop 3, understanding: the Rasa NLU components, the conversation-language rule, evaluation.

``components/`` runs inside Rasa (language detection, tokenizer, e5 features, intent
classifier, KB evidence); ``conversation_language`` decides which language the
conversation continues in; ``evaluation`` scores a trained model per language.
"""
