"""The sandbox over HTTP, in Twilio's exact wire format: HTTP only, in the spirit of moto
(requests.py reads a request, handlers.py answers it, app.py routes and guards it). Every rule
is the account's (sandbox/rules.py); every mapping is tui.core.wire's."""
