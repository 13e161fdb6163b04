"""Who is chatting: identity (JWT), accounts and users, demo data, conversation ownership."""
