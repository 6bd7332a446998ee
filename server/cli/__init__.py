"""``flask --app wsgi …``: one module per area, and the one place where an AppError a command
meets becomes a message and an exit code (nothing half-done is committed).

Exit codes: 0 done; 1 a check failed (``audit verify``) or any other refusal; 2 bad input
(also click's own usage errors); 3 not found; 4 conflicts with what is recorded.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import click
from flask import Flask

from server.db import db
from server.errors import AppError


def progress_bar(label: str, items):
    """What long commands show while they work (demo, imports, audit verify)."""
    items = list(items)
    with click.progressbar(items, label=label, show_pos=True, show_eta=True) as bar:
        yield from bar


def exit_code(exc: AppError) -> int:
    if exc.status == 404:
        return 3
    if exc.status == 409:
        return 4
    if exc.status in (400, 413, 415, 422):
        return 2
    return 1


class CommandFailed(click.ClickException):
    def __init__(self, exc: AppError) -> None:
        super().__init__(f"{exc.message} [{exc.code}]")
        self.exit_code = exit_code(exc)


def _guarded(callback: Callable) -> Callable:
    @functools.wraps(callback)
    def run(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except AppError as exc:
            db.session.rollback()
            raise CommandFailed(exc) from None

    run.guarded = True  # every app made (tests make many) registers the same commands
    return run


def _guard(command: click.Command) -> click.Command:
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _guard(sub)
    if command.callback is not None and not getattr(command.callback, "guarded", False):
        command.callback = _guarded(command.callback)
    return command


def register(app: Flask) -> None:
    from server.cli import admin, books, labels, programme
    from server.cli.weapon_register import register_cli

    for command in (*admin.COMMANDS, labels.labels_cli, books.books_cli,
                    programme.programme_cli, register_cli):
        app.cli.add_command(_guard(command))
