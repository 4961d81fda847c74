"""Account commands: ``login``, ``config``, ``whoami``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from . import command
from ._common import UsageError
from ._output import Output


def _add_token_stdin(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--token-stdin",
        action="store_true",
        help="read the personal access token from stdin (else it is asked for, unseen, on a terminal)",
    )


def _token(args: argparse.Namespace, *, required: bool) -> str | None:
    """The token from stdin (``--token-stdin``), from an unseen prompt on a terminal, or ``None``."""
    if args.token_stdin:
        token = sys.stdin.readline().strip()
        if not token:
            raise UsageError("--token-stdin: stdin held no token")
        return token
    if not required:
        return None
    if not sys.stdin.isatty():
        raise UsageError("give the token on stdin with --token-stdin (no terminal to ask on)")
    import getpass

    token = getpass.getpass("Synapse personal access token: ").strip()
    if not token:
        raise UsageError("no token given")
    return token


# -- login -----------------------------------------------------------------------------------------------


def add_login(sub: Any) -> None:
    p = command(
        sub,
        "login",
        handler=run_login,
        summary="check that a token works (and keep it in the keyring)",
        description="Log in with the token found in SYNAPSE_AUTH_TOKEN, ~/.synapseConfig or the OS "
        "keyring (or given on stdin, or asked for on a terminal when there is none), "
        "and say who it belongs to. --remember keeps it in the OS keyring for later "
        "sessions.",
        example="synapse-models login\nprintenv LAB_TOKEN | synapse-models login --token-stdin "
        "--remember --profile lab",
    )
    _add_token_stdin(p)
    p.add_argument("--remember", action="store_true", help="save the token in the OS keyring (per profile)")


def run_login(args: argparse.Namespace, out: Output) -> int:
    import synapse_models as sm

    token = _token(args, required=False)
    try:
        conn = sm.connect(token, profile=args.profile, endpoint=args.endpoint, remember=args.remember)
    except sm.NotConnectedError:
        if not sys.stdin.isatty():
            raise
        conn = sm.connect(
            _token(args, required=True), profile=args.profile, endpoint=args.endpoint, remember=args.remember
        )
    where = "the OS keyring" if args.remember else None
    if out.json_mode:
        out.json(
            {
                "user_name": conn.user_name,
                "owner_id": conn.user_id,
                "endpoint": conn.endpoints.repo,
                "token_source": conn.token_source,
                "remembered": args.remember,
            }
        )
    out.info(
        f"logged in as {conn.user_name} ({conn.user_id}) at {conn.endpoints.repo}, "
        f"with the token from {conn.token_source}" + (f"; saved it in {where}" if where else "")
    )
    return 0


# -- config ----------------------------------------------------------------------------------------------


def add_config(sub: Any) -> None:
    p = command(
        sub,
        "config",
        handler=run_config,
        summary="save a token in ~/.synapseConfig",
        description="Check a personal access token, then write it to ~/.synapseConfig (or "
        "SYNAPSE_CONFIG_FILE) in the [default] section, or in [profile NAME] with "
        "--profile. With --endpoint the endpoints are written too. Other sections and "
        "comments are kept.",
        example="synapse-models config --profile lab            # asks for the token\n"
        "printenv TOKEN | synapse-models config --token-stdin --endpoint http://127.0.0.1:8080",
    )
    _add_token_stdin(p)


def run_config(args: argparse.Namespace, out: Output) -> int:
    import synapse_models as sm
    from synapse_models.config_file import save_profile

    token = _token(args, required=True)
    assert token is not None
    conn = sm.connect(token, endpoint=args.endpoint)
    path = save_profile(token, profile=args.profile, username=conn.user_name, endpoint=args.endpoint)
    section = f"[profile {args.profile}]" if args.profile not in (None, "default") else "[default]"
    if out.json_mode:
        out.json({"path": str(path), "section": section, "user_name": conn.user_name})
    out.info(f"saved the token of {conn.user_name} in {section} of {path}")
    return 0


# -- whoami ----------------------------------------------------------------------------------------------


def add_whoami(sub: Any) -> None:
    command(
        sub,
        "whoami",
        handler=run_whoami,
        summary="print the user you are logged in as",
        example="synapse-models whoami --profile lab",
    )


def run_whoami(args: argparse.Namespace, out: Output) -> int:
    import synapse_models as sm

    from ._common import connect

    connect(args)
    profile = sm.me()
    if out.json_mode:
        out.json(profile)
    else:
        out.data(f"{profile.user_name} ({profile.owner_id})")
    return 0
