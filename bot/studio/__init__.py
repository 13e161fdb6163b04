"""The editors' studio: what users asked and the assistant missed, teaching, retraining.

Beside the message path, not on it: nothing the assistant runs per message imports it.
``inbox`` reads the stored conversations and votes, ``teaching`` writes the same data
files developers edit, ``retrain`` trains a candidate, gates it per language and promotes
it, ``routes`` is the web API behind ``/studio``.
"""
