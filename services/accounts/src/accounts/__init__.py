"""Accounts: users, sessions, API keys and the audit log; the edge asks it about every /api request."""
