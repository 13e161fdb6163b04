"""Hop 5b, escalation: who may reach a person (entitlements), the report form, priority.

Plan entitlements from the seed documents, the P1-P4 priority and its classifier, the time
parser for "when did it start", and the replies that explain the options.
"""
