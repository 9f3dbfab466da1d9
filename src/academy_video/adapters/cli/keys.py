"""Secrets an operator asks for: ``cipher-key`` (a new event-store key) and ``token`` (a user's
bearer token, for local use)."""

from __future__ import annotations

import argparse

from academy_video.app.config import Settings
from academy_video.app.persistence import new_cipher_key

from .common import Subcommands, refuse


def add_commands(commands: Subcommands) -> None:
    cipher_key = commands.add_parser("cipher-key", help="print a new ACADEMY_VIDEO_CIPHER_KEY")
    cipher_key.set_defaults(run=run_cipher_key)
    token = commands.add_parser("token", help="mint a user's bearer token (for local use)")
    token.add_argument("--role", choices=["admin", "staff", "student"], required=True)
    token.add_argument("--tenant", required=True, help="a tenant code: [a-z0-9][a-z0-9_-]{0,62}")
    token.add_argument("--user", type=int, required=True)
    token.add_argument("--ttl", type=int, default=86_400, help="seconds (default: a day)")
    token.set_defaults(run=run_token)


def run_cipher_key(args: argparse.Namespace, settings: Settings) -> int:
    print(new_cipher_key())
    return 0


def run_token(args: argparse.Namespace, settings: Settings) -> int:
    from academy_video.adapters.http.auth import mint
    from academy_video.domain.ids import TENANT_CODE, is_tenant_code

    if args.user <= 0:
        return refuse("--user must be positive")
    if not is_tenant_code(args.tenant):
        return refuse(f"--tenant must be a tenant code ({TENANT_CODE})")
    secret = settings.with_local_secrets().jwt_secret
    print(mint(secret, role=args.role, tenant=args.tenant, user_id=args.user, ttl_seconds=args.ttl))
    return 0
