"""ProxyError, the one failure every backend reports, and Twilio's titles for the codes the
product meets (a subset of Twilio's public catalogue; a test checks each one against it)."""

from __future__ import annotations

ERROR_TITLES: dict[int, str] = {
    20001: "Unknown parameters",
    20003: "Permission Denied",
    20007: "Page size too large",
    20404: "Not Found",
    20422: "Invalid Parameter",
    20429: "Too Many Requests",
    20500: "Internal Server Error",
    20503: "Service unavailable",
    21421: "Phone Number is invalid",
    21422: "PhoneNumber is not available",
    80101: "Number Already Added to Another Service",
    80103: "Participant Already In Session",
    80104: "Phone Number Already In Service",
    80201: "No Available Voice Proxy",
    80202: "No Available Message Proxy",
    80203: "No Available Proxy For Country",
    80205: "No Proxies For Service",
    80206: "No Available Proxy",
    80207: "No unreserved numbers in proxy pool.",
    80208: "No Available Unused Proxy",
    80301: "Not Found Phone Number SID",
    80308: "Session with the unique name not found.",
    80404: "Participant Identifier Invalid",
    80407: "Phone Number Sid Invalid",
    80408: "Service Sid Invalid",
    80409: "Session Sid Invalid",
    80501: "Storage Operation Failed",
    80506: "Service Creation is restricted for new customers",
    80601: "Phone Number Not Available",
    80602: "Non Unique Service Name",
    80603: "Non Unique Session Name",
    80605: "Proxy Identifier Not In Service",
    80607: "Session Closed",
    80608: "Session Status Invalid",
    80609: "Too Many Added Participants",
    80611: "Proxy Number In Active Sessions",
    80622: "Maximum Pool Size Error",
    80623: "Duplicate Participant Request",
    80624: "Approaching Maximium Number Pool Size",
    80701: "Parameter Validation Failed",
}


# Twilio codes the trimmed catalogue (tests/reference/twilio-error-codes.json) leaves out, with the
# titles of Twilio's error pages: the wrong HTTP method, and Messaging v1's sender-pool rules.
OTHER_TITLES: dict[int, str] = {
    20004: "Method not allowed",
    21712: "Phone Number or Short Code is associated with another Messaging Service.",
    21714: "Messaging Service Number Pool size limit reached",
    21715: "Phone Number Does Not Have Correct Messaging Service Capabilities",
}

ECHO_LIMIT = 60  # characters of a request's own text an error message repeats


def echo(value: object, limit: int = ECHO_LIMIT) -> str:
    """A request's value as an error message repeats it: repr()'d, cut to `limit` characters (a
    megabyte of garbage is never sent back)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def title(code: int) -> str:
    """Twilio's title for a code ("Error" when the product does not know it)."""
    return ERROR_TITLES.get(code) or OTHER_TITLES.get(code, "Error")


def more_info_url(code: int) -> str:
    return f"https://www.twilio.com/docs/errors/{code}"


class ProxyError(Exception):
    """Every failure a backend reports: Twilio's code, HTTP status, message and more_info.

    Built only from public facts; it never carries credentials. Its Twilio JSON form is
    tui.core.wire's (render_error / parse_error).
    """

    def __init__(self, code: int, status: int, message: str | None = None, more_info: str | None = None):
        self.code = int(code)
        self.status = int(status)
        self.message = message or title(self.code)
        self.more_info = more_info or more_info_url(self.code)
        super().__init__(f"{self.code}: {self.message}")

    def __repr__(self) -> str:
        return f"ProxyError(code={self.code}, status={self.status}, message={self.message!r})"
