"""``ocpp-harness sim station|csms``: the simulators as stand-alone tools.

The project CLI mounts :func:`add_sim_subparsers` and calls :func:`run_sim`;
``python -m harness.sim`` does the same on its own (:func:`main_sim`).

Output contract for scripts: one ready line on stdout (``sim station ready: control
http://127.0.0.1:PORT/control`` or ``sim csms listening on ws://HOST:PORT/PATH control
http://127.0.0.1:PORT/control``), then one line per frame on stderr (``ID > text`` sent,
``ID < text`` received) with passwords blanked. SIGINT/SIGTERM stop cleanly, exit 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from contextlib import suppress
from typing import Any

from harness.control.vocabulary import ACTIONS
from harness.sim.control_api import ControlServer
from harness.sim.csms import SimCsms
from harness.sim.defects import defects_for
from harness.sim.options import options_for
from harness.sim.peer import FrameEvent
from harness.sim.station import SimStation
from harness.sim.timers import SimTimers

__all__ = ["add_sim_subparsers", "main_sim", "redact", "run_sim"]

_VERSIONS = ("1.6", "2.0.1", "2.1")
_SECRET_VARIABLES = {"BasicAuthPassword", "AuthorizationKey"}


class _UsageError(Exception):
    """A bad option value: reported in one line, exit status 2."""


def add_sim_subparsers(subparsers: Any) -> None:
    """Add ``sim station`` and ``sim csms`` to an argparse subparsers object."""
    sim = subparsers.add_parser(
        "sim",
        help="run a simulated charging station or CSMS",
        description="Run a bundled simulator, conformant unless given --defect; --option "
        "picks a legal variation of its behaviour.",
    )
    roles = sim.add_subparsers(dest="sim_role", required=True, metavar="{station,csms}")

    station = roles.add_parser(
        "station",
        help="a simulated charging station that connects to a CSMS",
        epilog=_epilog("station"),
    )
    station.add_argument("--ocpp", choices=_VERSIONS, default="2.0.1", help="OCPP version")
    station.add_argument("--csms", required=True, metavar="URL", help="CSMS endpoint ws://…")
    station.add_argument("--identity", default="SIM0001", help="station id (URL path)")
    station.add_argument(
        "--password-env", metavar="NAME", help="HTTP Basic password from this variable"
    )
    station.add_argument(
        "--heartbeat-fallback",
        type=float,
        default=60.0,
        metavar="S",
        help="heartbeat period when the CSMS gives none (s)",
    )
    _common(station)

    csms = roles.add_parser(
        "csms",
        help="a simulated CSMS that stations connect to",
        epilog=_epilog("csms"),
    )
    csms.add_argument("--ocpp", choices=_VERSIONS, default="2.0.1", help="OCPP version")
    csms.add_argument("--host", default="127.0.0.1", help="address to listen on")
    csms.add_argument("--port", type=int, default=9000, help="port to listen on (0: any)")
    csms.add_argument("--path", default="/ocpp", help="endpoint path before /IDENTITY")
    csms.add_argument(
        "--heartbeat-interval",
        type=int,
        default=60,
        metavar="S",
        help="interval given in BootNotificationResponse (s)",
    )
    csms.add_argument(
        "--boot-retry-interval",
        type=int,
        default=10,
        metavar="S",
        help="interval given with a Pending or Rejected boot answer (s)",
    )
    csms.add_argument(
        "--station-password-env",
        action="append",
        default=[],
        metavar="ID=NAME",
        help="require HTTP Basic auth; station ID's password is in variable NAME (repeatable)",
    )
    _common(csms)


def _epilog(side: str) -> str:
    return (
        f"defects: {', '.join(sorted(defects_for(side)))}; "
        f"options: {', '.join(sorted(options_for(side)))}"
    )


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--defect", action="append", default=[], metavar="NAME", help="misbehave (repeatable)"
    )
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="NAME",
        help="a legal variation of behaviour (repeatable)",
    )
    parser.add_argument(
        "--control-port",
        type=int,
        default=0,
        metavar="N",
        help="port of the HTTP control API on 127.0.0.1 (0: any free port)",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log frames")


def run_sim(args: argparse.Namespace) -> int:
    """Run the simulator the parsed arguments describe until SIGINT/SIGTERM."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return asyncio.run(_serve(args))
    except _UsageError as exc:
        print(f"ocpp-harness sim: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


def main_sim(argv: Sequence[str] | None = None) -> int:
    """Stand-alone entry point: ``python -m harness.sim station --csms ws://…``."""
    parser = argparse.ArgumentParser(prog="python -m harness.sim")
    subparsers = parser.add_subparsers(dest="command", required=True)
    add_sim_subparsers(subparsers)
    args = parser.parse_args(["sim", *(sys.argv[1:] if argv is None else argv)])
    return run_sim(args)


def redact(text: str) -> str:
    """Blank password values in a frame (SetVariables/ChangeConfiguration/GetVariables)."""
    if not any(name in text for name in _SECRET_VARIABLES):
        return text
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return json.dumps(_redact(value), separators=(",", ":"), ensure_ascii=False)


def _redact(value: Any) -> Any:
    if isinstance(value, list):
        return [_redact(item) for item in value]
    if not isinstance(value, dict):
        return value
    secret = value.get("key") in _SECRET_VARIABLES or (
        isinstance(value.get("variable"), dict)
        and value["variable"].get("name") in _SECRET_VARIABLES
    )
    result = {}
    for key, item in value.items():
        if secret and key in ("value", "attributeValue"):
            result[key] = "***"
        else:
            result[key] = _redact(item)
    return result


def _log_frame(event: FrameEvent) -> None:
    arrow = ">" if event.direction == "out" else "<"
    print(f"{event.identity} {arrow} {redact(event.text)}", file=sys.stderr, flush=True)


def _secret(name: str) -> str:
    value = os.environ.get(name)
    if value is None:
        raise _UsageError(f"environment variable {name} is not set")
    return value


def _build(args: argparse.Namespace) -> SimStation | SimCsms:
    on_frame = None if args.quiet else _log_frame
    try:
        if args.sim_role == "station":
            password = _secret(args.password_env) if args.password_env else None
            return SimStation(
                args.ocpp,
                args.csms,
                args.identity,
                password=password,
                defects=args.defect,
                options=args.option,
                timers=SimTimers(heartbeat_fallback=args.heartbeat_fallback),
                on_frame=on_frame,
            )
        passwords = None
        if args.station_password_env:
            passwords = {}
            for item in args.station_password_env:
                identity, sep, name = item.partition("=")
                if not sep or not identity or not name:
                    raise _UsageError(f"--station-password-env wants ID=NAME, not {item!r}")
                passwords[identity] = _secret(name)
        return SimCsms(
            args.ocpp,
            host=args.host,
            port=args.port,
            path=args.path,
            defects=args.defect,
            options=args.option,
            heartbeat_interval=args.heartbeat_interval,
            boot_retry_interval=args.boot_retry_interval,
            passwords=passwords,
            on_frame=on_frame,
        )
    except ValueError as exc:
        raise _UsageError(str(exc)) from None


def _makes_csms_send(action: str) -> bool:
    spec = ACTIONS.get(action)
    return spec is not None and spec.makes_csms_send


async def _serve(args: argparse.Namespace) -> int:
    sim = _build(args)
    control = ControlServer(
        sim.act,
        port=args.control_port,
        actions=sim.offered_actions,
        sends=_makes_csms_send if isinstance(sim, SimCsms) else None,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    try:
        try:
            await control.start()
            if isinstance(sim, SimCsms):
                await sim.start()
                ready = f"sim csms listening on {sim.url} control {control.url}"
            else:
                await sim.start()
                ready = f"sim station ready: control {control.url}"
        except OSError as exc:
            print(f"ocpp-harness sim: cannot listen: {exc}", file=sys.stderr)
            return 1
        print(ready, flush=True)
        await stop.wait()
        return 0
    finally:
        await sim.stop()
        await control.stop()
