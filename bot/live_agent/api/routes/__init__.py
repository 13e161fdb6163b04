"""The live-agent API's routers, one module per resource."""
