"""The live Twilio backend: credentials and hosts (credentials) and the client behind the
seam (client: LiveBackend, backend_from_args). No Textual here (below the seam)."""
