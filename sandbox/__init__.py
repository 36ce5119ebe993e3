"""The offline Twilio Proxy: Twilio's rules over durable TinyDB files, served over HTTP too.
Import from the modules themselves (sandbox.account, sandbox.backend, ...)."""
