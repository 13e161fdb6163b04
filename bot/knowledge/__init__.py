"""Hop 5a, knowledge: how the assistant answers from the KB, and the 👍/👎 feedback on answers.

The index and its search live in the top-level ``kb_index`` package.
"""
