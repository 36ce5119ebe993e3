"""The live Twilio backend: credentials and hosts (credentials), the HTTP transport with its
pacing, retries and error translation (transport), and the resource client behind the seam
(client: LiveBackend, backend_from_args). No Textual here (below the seam)."""
