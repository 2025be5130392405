"""Command-line tools: ``flask --app wsgi seed-demo``, ``flask --app wsgi translate ...``."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def register(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option("--cases", default=400, show_default=True, help="historical cases to load")
    @click.option("--no-history", is_flag=True, help="places, people and catalogue only")
    def seed_demo(cases: int, no_history: bool) -> None:
        """Load the demo city (idempotent)."""
        import logging

        from app.demo import seed as demo

        # Thousands of demo actions would each log a line: the stages say enough here.
        actions = logging.getLogger("roadchief")
        level = actions.level
        actions.setLevel(logging.WARNING)
        try:
            counts = demo.seed(history=not no_history, cases_count=cases,
                               progress=lambda stage: click.echo(f"demo city: {stage}…"))
        finally:
            actions.setLevel(level)
        click.echo("demo city: " + ", ".join(f"{k} {v}" for k, v in counts.items()))

    @app.cli.group()
    def translate() -> None:
        """Babel catalogues: extract, update, compile."""

    def babel(*args: str) -> None:
        # Babel's own command line, in this process: works whether or not the
        # virtualenv's bin/ is on PATH.
        from babel.messages.frontend import CommandLineInterface

        previous = Path.cwd()
        os.chdir(ROOT)
        try:
            CommandLineInterface().run(["pybabel", *args])
        finally:
            os.chdir(previous)

    @translate.command()
    def update() -> None:
        """Extract messages and merge them into every catalogue."""
        babel("extract", "-F", "babel.cfg", "-k", "_l", "-o", "locales/messages.pot", ".")
        babel("update", "-i", "locales/messages.pot", "-d", "locales")

    @translate.command()
    def compile() -> None:
        babel("compile", "-d", "locales")
