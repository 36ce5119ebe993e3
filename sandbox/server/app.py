"""create_app(): the sandbox's HTTP face. Every route goes through one endpoint wrapper that
authenticates the request (Basic, the sandbox's own credentials) before reading its body,
reads it (sandbox/server/requests.py: strict, bounded), runs its handler under the backend's
lock in a worker thread, and never lets a traceback out: every failure is Twilio's error body.

Three Twilio domains are served on one base: Proxy v1 at /v1 (as proxy.twilio.com), the 2010
API at /2010-04-01 (as api.twilio.com), and Messaging v1 at /messaging/v1 (as
messaging.twilio.com: Proxy and Messaging both have /v1/Services, so Messaging's base on this
server is <base>/messaging, and twilio-python's client.messaging.base_url points there)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox import rules
from sandbox.account import SandboxAccount
from sandbox.backend import SandboxBackend
from sandbox.server.commit import GroupCommit
from sandbox.server.handlers import Handlers
from sandbox.server.requests import Call, basic_credentials, read_params
from sandbox.server.responses import FastJSONResponse as JSONResponse
from tui.core.errors import ProxyError
from tui.core.wire import MESSAGING_PREFIX, render_error

log = logging.getLogger("proxy_pool.sandbox.server")

Handler = Callable[[SandboxAccount, Call], Response]


def unauthorized() -> ProxyError:
    return ProxyError(20003, 401, "Authenticate: the AccountSid or AuthToken was incorrect")


def route_error(exc: HTTPException, request: Request) -> ProxyError:
    if exc.status_code == 405:
        return ProxyError(20004, 405, f"Method not allowed: {request.method} {request.url.path}")
    if exc.status_code == 404:
        return rules.not_found(request.url.path)
    return ProxyError(20422, 400, f"Invalid request: {exc.detail}")


MAX_MESSAGE = 400  # characters of an error message (each repeats at most a cut of the request)


def error_response(exc: ProxyError, headers: dict[str, str] | None = None) -> JSONResponse:
    body = render_error(exc)
    if len(body["message"]) > MAX_MESSAGE:
        body["message"] = body["message"][:MAX_MESSAGE - 1] + "…"
    return JSONResponse(body, status_code=exc.status, headers=headers)


MAX_BASES = 64  # base URLs remembered (Endpoints.base_of)


class Endpoints:
    """Handlers wrapped as ASGI endpoints, with the account current at each call (a reset swaps it)."""

    def __init__(self, backend: SandboxBackend, public_url: str | None):
        self.backend = backend
        self.public_url = public_url.rstrip("/") if public_url else None
        # one worker thread per sandbox (its calls queue on one lock anyway), committing in groups: the
        # calls queued together share one fsync, each answered once its change is durable
        self.worker = GroupCommit(backend)
        self.bases: dict[tuple, str] = {}

    def base_of(self, request: Request) -> str:
        """The request's own base URL, remembered per scheme, Host and root path (building it took two URL
        parses a request); a client may send any Host, so only the first few are remembered."""
        scope = request.scope
        key = (scope["scheme"], request.headers.get("host"), scope.get("app_root_path", scope.get("root_path", "")),
               tuple(scope.get("server") or ()))  # a list under some ASGI transports
        base = self.bases.get(key)
        if base is None:
            base = str(request.base_url).rstrip("/")
            if len(self.bases) < MAX_BASES:
                self.bases[key] = base
        return base

    async def in_worker(self, fn: Callable[..., Response], *args: object) -> Response:
        return await self.worker.run(fn, *args)

    def __call__(self, handler: Handler, *, account_in_path: bool = False, locked: bool = True) -> Callable:
        async def asgi_endpoint(request: Request) -> Response:
            try:
                # credentials first: a stranger's body is never read (the account's credentials are
                # kept in memory, and a reset keeps them)
                creds = basic_credentials(request)
                account = self.backend.account
                if creds is None or not account.check_credentials(*creds):
                    raise unauthorized()
                if account_in_path and request.path_params.get("account_sid") != account.account_sid:
                    raise unauthorized()
                params = await read_params(request)
                base = self.public_url or self.base_of(request)
                call = Call(params=params, path=dict(request.path_params), base=base)

                def run() -> Response:
                    return handler(self.backend.account, call)  # the account current now: a reset swaps it

                if locked:
                    return await self.in_worker(self.backend.call, run)
                return await self.in_worker(run)
            except ProxyError as exc:
                headers = {"WWW-Authenticate": 'Basic realm="Twilio API"'} if exc.status == 401 else None
                return error_response(exc, headers)
            except ClientDisconnect:  # the client hung up mid-body: nobody to answer, nothing changed
                log.info("client went away while sending %s %s", request.method, request.url.path)
                return Response(status_code=400)
            except Exception as exc:  # the catch-all: a Twilio-shaped 500, one log line, no traceback out
                log.error("internal error answering %s %s: %s: %s", request.method, request.url.path,
                          type(exc).__name__, exc)
                return error_response(ProxyError(
                    20500, 500, f"Internal Server Error: the sandbox could not answer ({type(exc).__name__}); "
                    "see the server's log",
                ))

        return asgi_endpoint


def resource(path: str, methods: dict[str, Callable]) -> Route:
    """One route per path, its methods dispatched here: a wrong method's 405 then names them all (Allow)."""
    async def dispatch(request: Request) -> Response:
        endpoint = methods["GET" if request.method == "HEAD" else request.method]
        return await endpoint(request)

    return Route(path, dispatch, methods=list(methods))


def routes(backend: SandboxBackend, public_url: str | None) -> list[Route]:
    ep = Endpoints(backend, public_url)
    h = Handlers(backend)
    svc = "/v1/Services"
    pool = "/v1/Services/{service_sid}/PhoneNumbers"
    sessions = "/v1/Services/{service_sid}/Sessions"
    members = sessions + "/{session_sid}/Participants"
    ipn = "/2010-04-01/Accounts/{account_sid}/IncomingPhoneNumbers"
    interactions = sessions + "/{session_sid}/Interactions"
    messages = members + "/{participant_sid}/MessageInteractions"
    msg = MESSAGING_PREFIX + "/v1/Services"
    msg_numbers = msg + "/{service_sid}/PhoneNumbers"

    def account(handler: Handler) -> Callable:
        return ep(handler, account_in_path=True)

    return [
        resource(svc, {"GET": ep(h.list_services), "POST": ep(h.create_service)}),
        resource(svc + "/{sid}", {"GET": ep(h.fetch_service), "POST": ep(h.update_service),
                                  "DELETE": ep(h.delete_service)}),
        resource(pool, {"GET": ep(h.list_numbers), "POST": ep(h.add_number)}),
        resource(pool + "/{sid}", {"GET": ep(h.fetch_number), "POST": ep(h.update_number),
                                   "DELETE": ep(h.remove_number)}),
        resource(sessions, {"GET": ep(h.list_sessions), "POST": ep(h.create_session)}),
        resource(members, {"GET": ep(h.list_participants), "POST": ep(h.add_participant)}),
        resource(members + "/{sid}", {"GET": ep(h.fetch_participant), "DELETE": ep(h.remove_participant)}),
        resource(interactions, {"GET": ep(h.list_interactions)}),
        resource(interactions + "/{sid}", {"GET": ep(h.fetch_interaction), "DELETE": ep(h.delete_interaction)}),
        resource(messages, {"GET": ep(h.list_message_interactions), "POST": ep(h.create_message_interaction)}),
        resource(messages + "/{sid}", {"GET": ep(h.fetch_message_interaction)}),
        resource(sessions + "/{sid}", {"GET": ep(h.fetch_session), "POST": ep(h.update_session),
                                       "DELETE": ep(h.delete_session)}),
        # last of the Sessions routes: a fetch by UniqueName may hold "/"
        resource(sessions + "/{sid:path}", {"GET": ep(h.fetch_session)}),
        resource(ipn + ".json", {"GET": account(h.list_account_numbers), "POST": account(h.buy_number)}),
        resource(ipn + "/{sid}.json", {"GET": account(h.fetch_account_number), "DELETE": account(h.release_number)}),
        resource(msg, {"GET": ep(h.list_messaging_services), "POST": ep(h.create_messaging_service)}),
        resource(msg + "/{sid}", {"GET": ep(h.fetch_messaging_service), "POST": ep(h.update_messaging_service),
                                  "DELETE": ep(h.delete_messaging_service)}),
        resource(msg_numbers, {"GET": ep(h.list_messaging_numbers), "POST": ep(h.add_messaging_number)}),
        resource(msg_numbers + "/{sid}", {"GET": ep(h.fetch_messaging_number),
                                          "DELETE": ep(h.remove_messaging_number)}),
        resource("/sandbox/reset", {"POST": ep(h.reset, locked=False)}),
    ]


def create_app(backend: SandboxBackend, *, public_url: str | None = None) -> Starlette:
    """The sandbox's HTTP face. `public_url` makes absolute links (else the request's host)."""

    async def on_route_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        # a 405 names the methods the path has (Allow, as RFC 9110 requires)
        allow = {"Allow": exc.headers["Allow"]} if exc.headers and "Allow" in exc.headers else None
        return error_response(route_error(exc, request), allow)

    async def on_crash(request: Request, exc: Exception) -> Response:
        log.error("internal error answering %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return error_response(ProxyError(20500, 500, "Internal Server Error: see the server's log"))

    app = Starlette(routes=routes(backend, public_url),
                    exception_handlers={HTTPException: on_route_error, Exception: on_crash})
    app.router.redirect_slashes = False  # /v1/Services/ is a Twilio-shaped 404, not a redirect
    return app
