"""Support rules from the source documents: who gets which channel, priorities, targets."""
