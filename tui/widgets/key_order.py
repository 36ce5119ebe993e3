"""Keys typed in a burst do what they would do typed slowly: one key at a time, each once the one
before has done everything it does.

Textual forwards each key to the widget focused when the app reads it, and runs a screen's
bindings when the key has bubbled back up to the app. Read in one burst, `60<Tab>3<Tab>8` went
to the first field whole: the 3 and the 8 were forwarded before the tab, still on its way up,
had moved the focus; `:sort` typed at once sent `s` to the table (Simulate) before `:` had
opened the command line. Here the app holds a key back until the one before it has been
handled: stopped by a widget, or come back up to the app and its binding run, and the focus
and the screen it may have changed are settled.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from textual import events
from textual.app import App
from textual.message_pump import MessagePump
from textual.timer import Timer

# A key that is never reported handled (its widget went away meanwhile) lets the next one go after this.
GIVE_UP_SECONDS = 0.5


class KeyOrder:
    def __init__(self, app: App, dispatch: Callable[[events.Key], Awaitable[Any]]):
        self.app = app
        self.dispatch = dispatch  # Textual's own handling of a key the driver read
        self.pending: deque[events.Key] = deque()
        self.in_flight: events.Key | None = None
        self._give_up: Timer | None = None

    async def arrived(self, event: events.Key) -> None:
        """A key from the terminal: handled now, or after the keys before it."""
        if self.in_flight is not None or self.pending:
            self.pending.append(event)
            return
        await self._start(event)

    async def _start(self, event: events.Key) -> None:
        self.in_flight = event
        target: MessagePump = self.app.focused or self.app.screen
        await self.dispatch(event)
        if not event.is_forwarded:  # a priority binding took it (or nothing will)
            self._finish(event)
            return
        self._give_up = self.app.set_timer(GIVE_UP_SECONDS, partial(self._finish, event))
        self._follow(event, target)

    def _follow(self, event: events.Key, node: MessagePump) -> None:
        """After `node` has handled the key (its queue is first in, first out): done if a widget
        stopped it there; else follow it to the parent it bubbled to. At the app, reached_app
        finishes it (a screen that kept it to itself: GIVE_UP_SECONDS)."""

        def handled() -> None:
            if self.in_flight is not event:
                return
            parent = node._parent
            if parent is self.app:
                # a screen passes every key the app sent on up (marked stopped, as Textual does for a
                # sender's own messages): reached_app finishes it once its binding has run
                return
            if event._stop_propagation or parent is None:
                self._finish(event)
            else:
                self._follow(event, parent)

        if not node.call_later(handled):
            self._finish(event)  # that widget is gone: nothing more will happen to the key

    def reached_app(self, event: events.Key) -> None:
        """The key came back up to the app and its binding (if any) has run."""
        self._finish(event)

    def _finish(self, event: events.Key) -> None:
        if self.in_flight is not event:
            return
        self.in_flight = None
        if self._give_up is not None:
            self._give_up.stop()
            self._give_up = None
        if self.pending:
            # Let what the key started settle first: a screen it pushed mounts and takes its focus
            # (in the screen's queue), a focus it moved lands (in the app's queue).
            self.app.screen.call_later(self.app.call_later, self._next)

    async def _next(self) -> None:
        if self.in_flight is None and self.pending:
            await self._start(self.pending.popleft())
