"""The API test cases use: ``CsmsRole`` (DUT = station) and ``StationRole`` (DUT = CSMS).

A synchronous facade over the session on the harness's loop, so that a test case reads
like the numbered steps of an OCTT case and its author needs no asyncio::

    csms.will_reply("BootNotification", status="Accepted", interval=10)
    dut.act("reboot")
    csms.expect("BootNotification", reason="PowerUp")
    csms.expect("StatusNotification", each_connector=True, connectorStatus="Available")

Every wait is bounded: by ``timeout=`` when given, else by the DUT profile's response
timeout (connect timeout for connections). A DUT that breaks a rule raises
:class:`~harness.verdicts.DutFailure` naming the rule and the frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import json
from collections.abc import Callable, Coroutine, Hashable, Iterator, Mapping, Sequence
from typing import Any, Literal, TypeVar, overload

from harness.connectors import ConnectorKey, connector_keys
from harness.loop import AnyLoop
from harness.messages import Message, Response, show_payload
from harness.ocppj import OcppVersion
from harness.replies import error_reply, no_reply, sticky
from harness.restore import undo_for
from harness.session import Session
from harness.trace import Topic, Trace, TraceEntry
from harness.transport import (
    ConnectionSpacing,
    HandshakeResult,
    open_station_connection,
    try_handshake,
)
from harness.transport.server import MAIN
from harness.verdicts import CaseWarning, DutFailure, HarnessError, ScriptError, WarningKind

__all__ = ["CsmsRole", "Message", "RawAnswer", "Response", "Role", "StationRole"]

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class RawAnswer:
    """What the DUT answered to a raw frame: its CALLERROR (or CALLRESULT) as traced."""

    entry: TraceEntry

    @property
    def raw(self) -> str:
        return str(self.entry.raw)

    @property
    def message_id(self) -> str | None:
        return self.entry.message_id

    @property
    def is_error(self) -> bool:
        return self.entry.message_type == "CALLERROR"

    @property
    def error_code(self) -> str | None:
        """The CALLERROR's errorCode (None for a CALLRESULT)."""
        if not self.is_error:
            return None
        frame = json.loads(self.raw)
        return str(frame[2]) if len(frame) > 2 else None


class Role:
    """What both roles share: expectations, replies, calls, raw frames, connection waits."""

    def __init__(
        self,
        loop: AnyLoop,
        session: Session,
        *,
        response_timeout: float,
        connect_timeout: float,
        evses: Sequence[tuple[int, Sequence[int]]] = ((1, (1,)),),
    ) -> None:
        self._loop = loop
        self.session = session
        self.response_timeout = response_timeout
        session.response_timeout = response_timeout  # what an owed follow-up waits
        self.connect_timeout = connect_timeout
        self.evses = tuple((evse, tuple(connectors)) for evse, connectors in evses)
        self._cleanups: list[tuple[str, Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = []

    @property
    def version(self) -> OcppVersion:
        return self.session.version

    @property
    def trace(self) -> Trace:
        return self.session.trace

    def _run(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        return self._loop.run(coro, timeout)

    def _on_loop(self, function: Callable[[], T]) -> T:
        async def call() -> T:
            return function()

        return self._loop.run(call(), self.response_timeout)

    def _ensure_connected(self) -> None:
        """Hook for roles whose connection comes from the DUT (see CsmsRole)."""

    def mark(self) -> int:
        """The current trace position, for ``expect(after=...)``: what the DUT sent
        before this point does not count for that expectation."""
        return self._on_loop(lambda: len(self.session.trace.entries) - 1)

    def received(self, action: str, *, after: int) -> list[Any]:
        """What the DUT sent of ``action`` after trace position ``after`` (a :meth:`mark`),
        without waiting and without claiming it: for a message Part 6 makes optional (an
        AuthorizeRequest for a cached token), checked when it came."""
        return self._on_loop(
            lambda: [m for m in self.session.received if m.action == action and m.entry.seq > after]
        )

    def note(self, rule: str, reason: str) -> None:
        """Put a note on the case: something a reader of the report should know (a step
        the DUT made moot, say) that is neither a failure nor a warning about a rule."""
        warning = CaseWarning(WarningKind.NOTE, rule, reason)
        self._on_loop(lambda: self.session.warn(warning))

    def step(self, number: int | str, text: str) -> None:
        """Step ``number`` of the case's Part 6 table begins (``"3-4"`` for a request and
        its answer): the trace shows it, every step recorded from here (expect, call …)
        carries it in report.json, and a failure names the table step it happened in."""
        self.session.trace.begin_table_step(str(number), text)

    def comment(self, text: str) -> None:
        """Write a comment into the trace (shown in the report and diagram): which
        reusable state begins, say."""
        self.session.trace.step(text)

    def _recording(self, kind: str, what: str) -> contextlib.AbstractContextManager[Any]:
        """A step of the script, kept with its outcome in the trace and report.json."""
        return self.session.trace.recording(kind, what)

    # -- post-conditions: leave the device as it was found ----------------------------------

    def finally_do(
        self, what: str, function: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> None:
        """Run ``function(*args, **kwargs)`` after the case, whether it passed or not, to
        undo what the case changed on the DUT (a setting, a profile, a reservation).
        Later registrations run first, as ``contextlib.ExitStack`` does."""
        self._cleanups.append((what, function, args, kwargs))

    def run_cleanups(self) -> None:
        """Run the registered post-conditions (the plugin calls this at teardown).

        The verdict is decided by then; a post-condition the DUT does not carry out is
        a note on the case, never a change of verdict.
        """
        session = self.session
        self._on_loop(lambda: session.failures.clear())
        while self._cleanups:
            what, function, args, kwargs = self._cleanups.pop()
            try:
                with self._recording("restore", what):
                    function(*args, **kwargs)
            except (DutFailure, HarnessError) as exc:
                note = CaseWarning(
                    WarningKind.NOTE, exc.rule, f"could not restore {what}: {exc.reason}"
                )
                self._on_loop(functools.partial(session.warn, note))
                self._on_loop(lambda: session.failures.clear())

    # -- the second verdict axis: checks that only warn ------------------------------------

    def beyond_octt(self, why: str = "") -> contextlib.AbstractContextManager[None]:
        """Checks in this block are rules of the specification that the OCA case does not
        check here: a failure is reported as a named warning and the case goes on (with
        ``--strict`` it fails, as everything the harness finds should)::

            with csms.beyond_octt("Part 6 does not check the boot reason after a reset"):
                boot.expect_field(reason="RemoteReset", rule="B01.FR.09")
        """
        return self._warning_only(WarningKind.BEYOND_OCTT, why)

    def octt_expects(self, why: str) -> contextlib.AbstractContextManager[None]:
        """Checks in this block are what OCTT expects beyond the specification: a DUT
        that does only what the specification asks gets a named warning, and fails only
        with ``--strict`` (a rehearsal of the certification run)."""
        return self._warning_only(WarningKind.OCTT_STRICTER, why)

    @contextlib.contextmanager
    def _warning_only(self, kind: WarningKind, why: str) -> Iterator[None]:
        session = self.session
        start = len(session.trace.entries)
        first_step = len(session.trace.steps)
        try:
            yield
        except DutFailure as failure:
            if any(failure is pending for pending in session.failures):
                raise  # a rule broken elsewhere meanwhile: that one is a real failure
            if session.strict:
                raise DutFailure(
                    f"{failure.reason} (a {kind.value} warning; --strict makes it a failure)",
                    failure.rule,
                    failure.frame,
                ) from None
            for entry in session.trace.entries[start:]:
                if entry.failing:
                    entry.failing = False
                    entry.warning = True
            for step in session.trace.steps[first_step:]:
                if step["outcome"] == "failed":
                    step["outcome"] = "warning"
            warning = CaseWarning(kind, failure.rule, failure.reason, failure.frame, why)
            self._on_loop(lambda: session.warn(warning))

    # -- expectations ----------------------------------------------------------------------

    @overload
    def expect(
        self,
        action: str,
        *,
        timeout: float | None = None,
        rule: str | None = None,
        each_connector: Literal[False] = False,
        after: int | None = None,
        **fields: Any,
    ) -> Message: ...

    @overload
    def expect(
        self,
        action: str,
        *,
        timeout: float | None = None,
        rule: str | None = None,
        each_connector: Literal[True],
        after: int | None = None,
        **fields: Any,
    ) -> list[Message]: ...

    @overload
    def expect(
        self,
        action: str,
        *,
        timeout: float | None = None,
        rule: str | None = None,
        each_connector: bool = False,
        after: int | None = None,
        **fields: Any,
    ) -> Message | list[Message]: ...

    def expect(
        self,
        action: str,
        *,
        timeout: float | None = None,
        rule: str | None = None,
        each_connector: bool = False,
        after: int | None = None,
        **fields: Any,
    ) -> Message | list[Message]:
        """Wait for the DUT's next ``action`` whose payload contains ``fields``.

        ``after`` (a trace position, :meth:`mark`) ignores what came before it.

        Returns the :class:`Message`; with ``each_connector=True`` (StatusNotification)
        a list with one message per connector of the profile's layout. Fails with
        ``rule`` when nothing arrives in time (saying what arrived instead) or when the
        message arrives with other values.
        """
        what = (
            action
            + (f" {show_payload(fields)}" if fields else "")
            + (" for each connector" if each_connector else "")
        )
        with self._recording("expect", what):
            self._ensure_connected()
            wait = timeout if timeout is not None else self.response_timeout
            keys = wanted = None
            if each_connector:
                keys, wanted = self._connector_keys()
            return self._run(
                self.session.expect(
                    action,
                    fields,
                    timeout=wait,
                    rule=rule,
                    keys=keys,
                    wanted_keys=wanted,
                    after=after,
                ),
                wait,
            )

    def _connector_keys(self) -> tuple[Callable[[Message], Hashable], set[Hashable]]:
        if self.version is OcppVersion.V16:
            wanted: set[Hashable] = {0} | {evse for evse, _ in self.evses}
            return (lambda m: m.payload.get("connectorId")), wanted
        wanted = {(evse, connector) for evse, connectors in self.evses for connector in connectors}
        return (lambda m: (m.payload.get("evseId"), m.payload.get("connectorId"))), wanted

    def expect_silence(
        self, seconds: float, *, allow: Sequence[str] = (), rule: str | None = None
    ) -> None:
        """Fail if the DUT sends any CALL (other than ``allow``) within ``seconds``."""
        what = f"for {seconds:g} s" + (f" (allowed: {', '.join(allow)})" if allow else "")
        with self._recording("expect silence", what):
            self._ensure_connected()
            self._run(self.session.expect_silence(seconds, allow=tuple(allow), rule=rule), seconds)

    def hold_for(self, seconds: float, why: str) -> None:
        """Let ``seconds`` pass while answering the DUT, because the protocol says so
        (``why``: e.g. "the retry interval the CSMS gave"). Not a sleep: the DUT is
        served and a rule it breaks meanwhile fails the case at once."""
        with self._recording("hold", f"{seconds:g} s: {why}"):
            self._run(self.session.hold(seconds), seconds)

    @contextlib.contextmanager
    def only_allow(self, *actions: str, rule: str) -> Iterator[None]:
        """While the block runs, any DUT CALL other than ``actions`` fails the case with
        ``rule`` (e.g. a station that sends StatusNotification while its boot is Pending).
        """
        self.comment(f"from here the DUT may send only {', '.join(actions) or 'nothing'}")

        def set_restriction(value: Any) -> None:
            self.session.monitors.restriction = value

        self._on_loop(lambda: set_restriction((tuple(actions), rule)))
        try:
            yield
        finally:
            self._on_loop(lambda: set_restriction(None))
            self.comment("restriction lifted")

    # -- answering the DUT -----------------------------------------------------------------

    def will_reply(
        self, action: str, payload: Any = None, *, always: bool = False, **fields: Any
    ) -> None:
        """Answer the DUT's next unscripted ``action`` with these fields over the default
        reply (or every one, with ``always=True``). ``payload`` may be a function of the
        request. Use it before a step that makes the DUT send ``action``."""
        reply = payload if callable(payload) else {**(payload or {}), **fields}
        entry = sticky(reply) if always else reply
        shown = "computed from the request" if callable(reply) else show_payload(reply)
        with self._recording("will reply", f"{action} {shown}" + (" (always)" if always else "")):
            self._on_loop(lambda: self.session.replies.will_reply(action, entry))

    def will_reply_error(self, action: str, code: str, description: str = "") -> None:
        self._on_loop(
            lambda: self.session.replies.will_reply(action, error_reply(code, description))
        )

    def will_not_reply(self, action: str, *, always: bool = False) -> None:
        """Leave the DUT's next unscripted ``action`` unanswered for good (or every one,
        with ``always=True``): a CSMS that does not answer within the DUT's message
        timeout. For some requests of an action only, give :meth:`will_reply` a function
        that returns :func:`harness.replies.no_reply` for them."""
        entry = sticky(no_reply()) if always else no_reply()
        with self._recording("will not reply", action + (" (always)" if always else "")):
            self._on_loop(lambda: self.session.replies.will_reply(action, entry))

    @contextlib.contextmanager
    def unanswered(self, message: Message) -> Iterator[Message]:
        """Keep ``message`` (returned by :meth:`expect`, not answered yet) unanswered
        while the block runs, whatever steps it takes: the DUT waits for its answer
        meanwhile (a CSMS that answers late). The block may :meth:`reply` itself; if it
        does not, the default answer goes out when it ends."""
        if message.answered or message.abandoned:
            raise ScriptError(f"{message.action} (frame {message.entry.seq}) is already answered")

        def withhold(value: bool) -> None:
            message.withheld = value
            if value:
                message.cancel_hold()

        self._on_loop(lambda: withhold(True))
        self.comment(f"{message.action} (frame {message.entry.seq}) kept unanswered")
        try:
            yield message
        finally:

            def release() -> None:
                withhold(False)
                self.session.settle()

            self._on_loop(release)

    @contextlib.contextmanager
    def holding(self, *actions: str) -> Iterator[None]:
        """While the block runs, the DUT's CALLs of ``actions`` stay unanswered, whenever
        they come (before the block's ``expect`` for them too): the DUT waits for the
        answer meanwhile, as from a slow CSMS. The block may :meth:`reply` to one; the
        rest get their default answer when it ends."""
        self.comment(f"from here {', '.join(actions)} stay unanswered")
        self._on_loop(lambda: self.session.holding.update(actions))
        try:
            yield
        finally:
            self._on_loop(lambda: self.session.release(actions))
            self.comment(f"{', '.join(actions)} answered again")

    def reply(
        self,
        message: Message,
        payload: dict[str, Any] | None = None,
        *,
        validate: bool = True,
        **fields: Any,
    ) -> None:
        """Answer a message returned by :meth:`expect` with a CALLRESULT."""
        reply = {**(payload or {}), **fields}
        with self._recording("reply", f"{message.action} {show_payload(reply)}"):
            self._run(
                self.session.reply(message, payload=reply, validate=validate),
                self.response_timeout,
            )

    def reply_error(self, message: Message, code: str, description: str = "") -> None:
        """Answer a message returned by :meth:`expect` with a CALLERROR."""
        with self._recording("reply", f"{message.action} CALLERROR {code}"):
            self._run(self.session.reply(message, error=(code, description)), self.response_timeout)

    # -- calling the DUT -------------------------------------------------------------------

    def call(
        self,
        action: str,
        payload: dict[str, Any] | None = None,
        *,
        timeout: float | None = None,
        validate: bool = True,
        **fields: Any,
    ) -> Response:
        """Send a CALL and return the DUT's :class:`Response` (CALLRESULT or CALLERROR).

        No answer within ``timeout`` fails with ``ocppj.response-timeout``, whatever the
        step checks; check the answer with ``.expect(rule=...)``."""
        body = {**(payload or {}), **fields}
        with self._recording("call", f"{action} {show_payload(body)}") as step:
            self._ensure_connected()
            wait = timeout if timeout is not None else self.response_timeout
            # the bound covers a follow-up the harness owes first (Session._owed_sent)
            response = self._run(
                self.session.call(action, body, timeout=wait, validate=validate),
                wait + self.response_timeout,
            )
            step["detail"] = (
                f"CALLERROR {response.error_code}"
                if response.is_error
                else show_payload(response.payload)
            )
        if not response.is_error:
            self._after_call(action, body, response)
        return response

    def _after_call(self, action: str, request: dict[str, Any], response: Response) -> None:
        """Hook for roles that follow up on what the DUT accepted (see CsmsRole)."""

    def send_raw(self, text: str | bytes) -> None:
        """Send any text (or bytes, as a binary message) as one WebSocket message: for
        frames that break rules on purpose."""
        with self._recording("send raw", show_payload(text)):
            self._ensure_connected()
            self._run(self.session.send_raw(text), self.response_timeout)

    def send_unreadable(self, text: str, *, timeout: float | None = None) -> RawAnswer | None:
        """Send ``text``, a frame the DUT cannot read (not JSON), and return the DUT's
        answer to it, whatever its id (the case judges the id: OCPP-J §4.2.3), or None
        when nothing answered it within ``timeout`` (the response timeout)."""
        wait = timeout if timeout is not None else self.response_timeout
        with self._recording("send unreadable", show_payload(text)) as step:
            self._ensure_connected()
            start = self._run(self.session.send_raw(text, any_answer_id=True), wait)
            entry = self._run(self.session.raw_answer(start, wait), wait)
            step["detail"] = "no answer" if entry is None else str(entry.raw)
        if entry is None:
            return None
        return RawAnswer(entry)

    # -- the connection --------------------------------------------------------------------

    def disconnect(self) -> None:
        """Close the current connection from the harness's side."""
        with self._recording("disconnect", "harness closes the connection"):
            self._run(self.session.close_current(), self.response_timeout)

    def expect_disconnect(self, *, timeout: float | None = None, rule: str | None = None) -> None:
        wait = timeout if timeout is not None else self.response_timeout
        with self._recording("expect disconnect", f"within {wait:g} s"):
            self._run(self.session.expect_disconnect(wait, rule), wait)

    @property
    def connected(self) -> bool:
        return self.session.connected


class CsmsRole(Role):
    """The harness as CSMS; the DUT is a charging station that connects to ``url``."""

    def __init__(
        self,
        loop: AnyLoop,
        session: Session,
        *,
        url: str,
        endpoints: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(loop, session, **kwargs)
        self.url = url
        #: the harness's endpoints (harness.transport.server MAIN, SECOND) by name: URL
        #: without the identity
        self.endpoints = dict(endpoints or {MAIN: url.rsplit("/", 1)[0]})
        self._seen_connection = False

    def _ensure_connected(self) -> None:
        # A station may be between connections (rebooting); only the first connection
        # of a case is required before anything else can happen.
        if self._seen_connection or self.session.connections > 0:
            self._seen_connection = True
            return
        ok = self._run(self.session.wait_connected(self.connect_timeout), self.connect_timeout)
        if not ok:
            raise self.session.never_connected(self.url, self.connect_timeout)
        self._seen_connection = True

    def quiet_before(self, message: Message) -> float:
        """Seconds without any frame, either way, before ``message`` arrived: the
        "interval of inactivity" a heartbeat interval is measured as."""

        def measure() -> float:
            entries = self.session.trace.entries
            earlier = [e for e in entries[: message.entry.seq] if e.kind == "frame"]
            return message.entry.t - (earlier[-1].t if earlier else 0.0)

        return float(self._on_loop(measure))

    def heartbeat_interval(self) -> int | None:
        """The heartbeat interval the harness last gave the station in an Accepted boot
        answer (None if it has not answered one in this run)."""
        return self._on_loop(lambda: self.session.monitors.heartbeat_interval_given)

    def periodic_heartbeat_due(self) -> float | None:
        """Seconds from now until the station's periodic Heartbeat is due (the interval
        given, from the boot answer or its latest Heartbeat); negative when overdue;
        None when the harness gave it no interval."""
        monitors = self.session.monitors
        return self._on_loop(
            lambda: monitors.periodic_heartbeat_due(asyncio.get_running_loop().time())
        )

    def wait_for_heartbeat(self, timeout: float) -> bool:
        """Wait, answering the station, for a Heartbeat of its own; whether one came
        within ``timeout`` s. Not a check: a case uses it to time a request (a trigger
        sent right after a periodic Heartbeat cannot be mistaken for one)."""
        session = self.session
        with self._recording("wait", f"the station's periodic Heartbeat (up to {timeout:.1f} s)"):
            self._ensure_connected()
            start = self.mark()

            def came() -> bool:
                return any(
                    m.action == "Heartbeat" and m.entry.seq > start for m in session.received
                )

            return bool(self._run(session.wait_for(came, timeout), timeout))

    def expect_connectors(
        self,
        status: str = "Available",
        *,
        since: Message | None = None,
        timeout: float | None = None,
        rule: str | None = None,
        only: Sequence[tuple[int, int]] | None = None,
        after: int | None = None,
    ) -> dict[ConnectorKey, Message]:
        """Wait until every connector of the profile's layout is last reported in
        ``status``, by StatusNotification or NotifyEvent AvailabilityState, whichever the
        station uses (1.6: StatusNotification, connector 0 included).

        ``since`` (say, the BootNotification of a reboot) anchors the window: only reports
        after it count, and of each connector only the latest; ``after`` (a :meth:`mark`)
        does the same from a trace position. ``only`` limits the wait
        to those (evse, connector) pairs (2.x). Returns the reporting message per connector.
        """
        keys: list[ConnectorKey] = (
            list(only) if only is not None else connector_keys(self.version, self.evses)
        )
        anchor = since.entry.seq if since is not None else after
        what = f"every connector {status}" + (
            f" after frame {anchor}" if anchor is not None else ""
        )
        with self._recording("expect connectors", what):
            self._ensure_connected()
            wait = timeout if timeout is not None else self.response_timeout
            return self._run(
                self.session.expect_connector_states(
                    keys, status, since=since, timeout=wait, rule=rule, after=after
                ),
                wait,
            )

    def _after_call(self, action: str, request: dict[str, Any], response: Response) -> None:
        # Part 6 §2.1: the next case finds no reservation, profile, display message,
        # custom monitor or inoperative EVSE that this case made (harness.restore).
        if self.version is OcppVersion.V16:
            return
        undo = undo_for(action, request, response.payload)
        if undo is not None:
            what, undo_action, payload = undo
            self.finally_do(what, self.call, undo_action, payload)

    def go_offline(self, why: str = "Part 6: the CSMS closes the connection") -> None:
        """Play an unreachable CSMS: close the connection and refuse every new one until
        :meth:`come_online` (Part 6: "closes the WebSocket connection AND does not accept
        a reconnect"). The case's end brings the harness back online in any event."""
        with self._recording("offline", why):
            self._run(self.session.go_offline(why), self.response_timeout)

    def come_online(self) -> None:
        """Accept connections again; :meth:`expect_reconnect` waits for the station."""
        with self._recording("online", "connections are accepted again"):
            self._on_loop(self.session.come_online)

    def link_events(self, since: float = 0.0) -> list[tuple[str, float]]:
        """The link's history since trace time ``since``: ("opened" | "closed" |
        "refused", trace time), for a case that measures reconnection times."""
        return self._on_loop(lambda: [e for e in self.session.link_log if e[1] >= since])

    def clock(self) -> float:
        """The trace's time now (seconds since the case began), as :meth:`link_events`."""
        return float(self._on_loop(self.session.trace._now))

    def expect_refused_attempt(self, *, timeout: float, rule: str | None = None) -> float:
        """While offline (:meth:`go_offline`), wait for the station's next connection
        attempt, which the harness refuses; its trace time."""
        start = self.clock()
        session = self.session

        def refused() -> float | None:
            times = [t for kind, t in session.link_log if kind == "refused" and t >= start]
            return times[0] if times else None

        with self._recording("expect refused attempt", f"within {timeout:g} s"):
            found = self._run(session.wait_for(refused, timeout), timeout)
            if found is None:
                raise DutFailure(
                    f"the station made no new connection attempt within {timeout:g} s",
                    rule or "timeout",
                )
            return float(found)

    def expect_reconnect(self, *, timeout: float | None = None, rule: str | None = None) -> None:
        """Wait until the station opens a new connection (after a reboot or network loss)."""
        wait = timeout if timeout is not None else self.connect_timeout
        with self._recording("expect reconnect", f"within {wait:g} s"):
            self._run(self.session.expect_reconnect(wait, rule), wait)

    # -- the harness's endpoints (network profiles, B09/B10) --------------------------------

    def endpoint_url(self, endpoint: str) -> str:
        """The URL of one of the harness's endpoints, without the identity: what a
        SetNetworkProfile gives the station as ocppCsmsUrl. Its host is the one the
        station reached the harness at (its handshake's Host header), since a harness
        listening on 0.0.0.0 cannot name its own address. A set-up error when the
        harness does not listen there (no second path in the profile's [listen])."""
        if endpoint not in self.endpoints:
            raise HarnessError(
                f"the harness has no {endpoint} endpoint (set [listen] second_path)", "setup"
            )
        url = self.endpoints[endpoint]
        reached = self._on_loop(lambda: self.session.dut_reached)
        if not reached:
            return url
        scheme, rest = url.split("://", 1)
        path = rest[rest.find("/") :] if "/" in rest else ""
        return f"{scheme}://{reached}{path}"

    @property
    def endpoint(self) -> str | None:
        """The endpoint the station is connected to now (None while it is not)."""
        return self._on_loop(lambda: self.session.endpoint)

    def refuse_endpoint(self, endpoint: str, why: str, *, attempts: int | None = None) -> None:
        """Refuse the station's handshakes to ``endpoint`` (the next ``attempts`` of them,
        or every one until :meth:`accept_endpoint` or the case's end) while the other
        endpoint accepts as before: the CSMS of one network profile out of reach."""
        counted = f" (next {attempts} attempts)" if attempts is not None else ""
        with self._recording("refuse endpoint", f"{endpoint}{counted}: {why}"):
            self._on_loop(lambda: self.session.refuse_endpoint(endpoint, why, attempts))

    def accept_endpoint(self, endpoint: str) -> None:
        with self._recording("accept endpoint", endpoint):
            self._on_loop(lambda: self.session.accept_endpoint(endpoint))

    def endpoint_events(self, since: float = 0.0) -> list[tuple[str, str, float]]:
        """The link's history since trace time ``since`` with the endpoint of each
        entry: ("opened" | "closed" | "refused", endpoint, trace time)."""
        return self._on_loop(lambda: [e for e in self.session.endpoint_log if e[2] >= since])

    def closings(self, since: float = 0.0) -> list[tuple[str, float, bool]]:
        """The connections that closed since trace time ``since``: (endpoint, trace time,
        whether the DUT sent a WebSocket close frame). A link that only went dead (a
        device that rebooted without closing it) says False."""
        return self._on_loop(lambda: [e for e in self.session.close_log if e[1] >= since])


class StationRole(Role):
    """The harness as a charging station; the DUT is a CSMS at ``endpoint``."""

    def __init__(
        self,
        loop: AnyLoop,
        session: Session,
        *,
        endpoint: str,
        identity: str,
        password: str | None,
        security_profile: int,
        spacing: ConnectionSpacing | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(loop, session, **kwargs)
        self.endpoint = endpoint
        self.identity = identity
        self._password = password
        self.security_profile = security_profile
        #: how far apart this identity's connections must be (the run's, from the
        #: profile's connect.spacing; none given: no spacing)
        self.spacing = spacing if spacing is not None else ConnectionSpacing(0.0)
        self._serving: asyncio.Task[None] | None = None

    def _after_call(self, action: str, request: dict[str, Any], response: Response) -> None:
        # The CSMS's clock, as its answers give it: Part 2 §2.1.4 (2.x) strongly
        # recommends UTC with "Z"; another offset is legal, so it is a note.
        when = response.payload.get("currentTime")
        if self.version is OcppVersion.V16 or not isinstance(when, str):
            return
        if not when.endswith(("Z", "z", "+00:00")):
            self.note(
                "time.utc",
                f"the CSMS's {action} answer gives currentTime {when}, not in UTC: Part 2 "
                "strongly recommends UTC with the time zone designator Z",
            )

    def connect(self) -> None:
        """Open the WebSocket connection to the CSMS (subprotocol and auth per profile)."""
        with self._recording("connect", f"{self.endpoint} as {self.identity}"):
            self._connect()

    async def _spaced(self) -> None:
        """Let the profile's spacing pass since this identity's last connection closed
        (in this case or an earlier one of the run); the trace says why it paused."""
        await self.spacing.wait(
            self.identity, lambda text: self.session.trace.event(text, topic=Topic.CONNECTION)
        )

    async def _serve(self, connection: Any) -> None:
        try:
            await self.session.serve(connection)
        finally:
            self.spacing.closed(self.identity)

    def _connect(self) -> None:

        async def open_and_serve() -> None:
            await self._spaced()
            connection = await open_station_connection(
                self.endpoint,
                self.identity,
                self.version,
                password=self._password,
                security_profile=self.security_profile,
                timeout=self.connect_timeout,
            )
            # the role keeps the receive loop's task (the event loop holds it weakly)
            self._serving = asyncio.get_running_loop().create_task(self._serve(connection))
            await self.session.wait_connected(self.connect_timeout)

        self._run(open_and_serve(), self.connect_timeout + self.spacing.seconds)

    def _ensure_connected(self) -> None:
        if not self.session.connected and self.session.connections == 0:
            self.connect()

    def reconnect(self) -> None:
        self.disconnect()
        self._run(
            self.session.expect_disconnect(self.response_timeout, None), self.response_timeout
        )
        self.connect()

    @property
    def device_model(self) -> Any:
        """The harness station's device model (what it answers GetVariables with)."""
        return self.session.replies.defaults.device_model

    def handshake(self, subprotocols: Sequence[str]) -> HandshakeResult:
        """Try one opening handshake offering ``subprotocols``; report what the CSMS did."""
        with self._recording(
            "handshake", f"offering {', '.join(subprotocols) or 'no subprotocol'}"
        ) as step:
            result = self._handshake(subprotocols)
            step["detail"] = (
                f"upgraded={result.upgraded} subprotocol={result.subprotocol} "
                f"status={result.status} {result.detail}".strip()
            )
            return result

    def _handshake(self, subprotocols: Sequence[str]) -> HandshakeResult:
        async def spaced_handshake() -> HandshakeResult:
            await self._spaced()
            try:
                return await try_handshake(
                    self.endpoint,
                    self.identity,
                    subprotocols,
                    password=self._password,
                    security_profile=self.security_profile,
                    timeout=self.connect_timeout,
                    close_wait=self.response_timeout,
                )
            finally:
                self.spacing.closed(self.identity)

        return self._run(
            spaced_handshake(),
            self.spacing.seconds + self.connect_timeout + self.response_timeout,
        )
