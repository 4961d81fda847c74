"""The ``synapse-models`` command: the official ``synapse`` commands, plus ``demo`` and ``serve``.

Conventions (``docs/cli.rst``): data on stdout, messages on stderr; exit code 0 when all went well, 1 when
something failed, 2 for a usage error, 130 after Ctrl-C, 141 when the reader of stdout went away (``| head``).
An error is one line, without a traceback unless ``--debug``.

Start-up matters in shell loops, so only the chosen command's module is imported and only its parser is built;
each command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import contextvars
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from ._common import UsageError
from ._output import Output

__all__ = ["main"]

# name -> (module, aliases), in the order ``--help`` lists them
COMMANDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "get": ("files", ()),
    "store": ("files", ("add",)),
    "cat": ("files", ()),
    "associate": ("files", ()),
    "sync": ("bulk", ()),
    "manifest": ("bulk", ()),
    "cp": ("bulk", ()),
    "show": ("entities", ()),
    "list": ("entities", ("ls",)),
    "create": ("entities", ()),
    "mv": ("entities", ()),
    "delete": ("entities", ()),
    "onweb": ("entities", ()),
    "get-annotations": ("metadata", ()),
    "set-annotations": ("metadata", ()),
    "get-provenance": ("metadata", ()),
    "set-provenance": ("metadata", ()),
    "query": ("tables", ()),
    "submit": ("evaluations", ()),
    "login": ("account", ()),
    "config": ("account", ()),
    "whoami": ("account", ()),
    "demo": ("local", ()),
    "serve": ("local", ()),
}
_ALIASES = {alias: name for name, (_, aliases) in COMMANDS.items() for alias in aliases}
_WITH_VALUE = ("--profile", "--endpoint")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code (the console script passes it to ``sys.exit``)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    out = Output()
    try:
        try:
            args = build_parser(arguments).parse_args(arguments)
        except SystemExit as exc:  # --help, --version, or a usage error (argparse printed it)
            out.flush()
            return exc.code if isinstance(exc.code, int) else 2
        out = Output(json_mode=args.json, quiet=args.quiet)
        return _run(args, out)
    except KeyboardInterrupt:
        out.error("interrupted")
        return 130
    except BrokenPipeError:
        _discard_stdout()
        return 141


def _run(args: argparse.Namespace, out: Output) -> int:
    from ..errors import SynapseError

    stop_logging = _debug_logging() if args.debug else None
    args.opened = []  # connections the command opens, closed when it ends
    try:
        # a context of its own: the connection the command makes current is current only inside it
        code: int = contextvars.copy_context().run(args.handler, args, out)
        out.flush()
        return code
    except UsageError as exc:
        args.command_parser.print_usage(sys.stderr)
        out.error(str(exc))
        return 2
    except (KeyboardInterrupt, BrokenPipeError):
        raise
    except SynapseError as exc:
        _traceback_if(args.debug)
        out.error(str(exc))
    except OSError as exc:
        _traceback_if(args.debug)
        where = f": {exc.filename}" if exc.filename else ""
        out.error(f"{exc.strerror or exc}{where}")
    except Exception as exc:  # a bug: still one line, the traceback with --debug
        _traceback_if(args.debug)
        hint = "" if args.debug else " (run with --debug for the traceback)"
        out.error(f"unexpected {type(exc).__name__}: {exc}{hint}")
    finally:
        for conn in args.opened:
            conn.close()
        if stop_logging is not None:
            stop_logging()
    return 1


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser: with only the command named in ``argv`` when there is one, else with all of them."""
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="synapse-models",
        description="Work with Synapse from the shell: the official 'synapse' commands, plus a local server.",
        epilog="Example:\n  synapse-models get syn123 --download-location data/\n\n"
        "'synapse-models COMMAND -h' shows a command's options and an example.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"synapse-models {__version__}")
    add_global_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands", required=True)
    chosen = _command_of(argv)
    for name in [chosen] if chosen else COMMANDS:
        module = importlib.import_module(f"{__name__}.{COMMANDS[name][0]}")
        getattr(module, "add_" + name.replace("-", "_"))(sub)
    return parser


def add_global_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """``--profile``, ``--endpoint``, ``--json``, ``-q/--quiet``, ``--debug``: before the command, or after it
    (there without ``-q``, which ``get`` uses for ``--query`` as the official command line does)."""
    unset: dict[str, Any] = {} if top else {"default": argparse.SUPPRESS}
    group = parser.add_argument_group("global options" if top else "global options (also before the command)")
    group.add_argument(
        "--profile",
        metavar="NAME",
        help="a [profile NAME] of ~/.synapseConfig",
        **({"default": None} | unset),
    )
    group.add_argument(
        "--endpoint",
        metavar="URL",
        help="the Synapse base URL (default: SYNAPSE_ENDPOINT, ~/.synapseConfig, production)",
        **({"default": None} | unset),
    )
    group.add_argument("--json", action="store_true", help="machine-readable output on stdout", **unset)
    group.add_argument(
        *(["-q", "--quiet"] if top else ["--quiet"]),
        action="store_true",
        help="no messages or progress bars on stderr (errors still show)",
        **unset,
    )
    group.add_argument("--debug", action="store_true", help="tracebacks and an HTTP log on stderr", **unset)


def command(
    sub: Any, name: str, *, summary: str, example: str, handler: Any, description: str | None = None
) -> argparse.ArgumentParser:
    """Add one command's parser (with its aliases, the global options and an example in its help)."""
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        aliases=list(COMMANDS[name][1]),
        help=summary,
        description=description or summary,
        epilog="Example:\n" + "\n".join(f"  {line}" for line in example.splitlines()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_global_options(parser, top=False)
    parser.set_defaults(handler=handler, command_parser=parser)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names (an alias gives its command), or ``None`` to build every parser."""
    skip = False
    for token in argv:
        if skip:
            skip = False
        elif token in _WITH_VALUE:
            skip = True
        elif token in ("-h", "--help", "--"):
            return None
        elif not token.startswith("-"):
            name = _ALIASES.get(token, token)
            return name if name in COMMANDS else None
    return None


def _debug_logging() -> Callable[[], None]:
    """Log HTTP requests to stderr; returns what undoes it (``main`` may run many times in one process)."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    handler.addFilter(_Redact())
    loggers = [logging.getLogger(name) for name in ("synapse_models", "urllib3")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)

    def stop() -> None:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)

    return stop


class _Redact:
    """Hide presigned-URL signatures and credentials in debug log lines."""

    def filter(self, record: Any) -> bool:
        import re

        message = record.getMessage()
        cleaned = re.sub(
            r"(?i)((?:x-amz-)?(?:signature|credential|security-token)=)[^&\s\"']+", r"\1***", message
        )
        cleaned = re.sub(r"(?i)(bearer\s+)[^\s\"']+", r"\1***", cleaned)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def _traceback_if(debug: bool) -> None:
    if debug:
        import traceback

        traceback.print_exc(file=sys.stderr)


def _discard_stdout() -> None:
    """The reader of stdout went away: point stdout at /dev/null so the final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
