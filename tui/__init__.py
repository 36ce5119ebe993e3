"""proxy-pool: a terminal app for Twilio Proxy phone-number pools."""

__version__ = "0.1.0"
