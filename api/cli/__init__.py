"""The ``twin`` command line: one Typer app, one sub-app per concern.

Each concern lives in its own ``_*.py`` module with its own ``app``; heavy imports happen
inside the commands so that ``twin --help`` stays fast.
"""

from __future__ import annotations

import typer

__all__ = ["app", "main"]

app = typer.Typer(
    name="twin",
    help="hue-twin: flood digital twin of Huế (layers, flood model, warnings, dispatch).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def main() -> None:
    """Entry point of the ``twin`` console script (logging set up from the settings first)."""
    from api.cli._common import setup_logging

    setup_logging()
    app()


from api.cli import _keys  # noqa: E402

app.add_typer(_keys.app, name="keys")
from api.cli import _serve  # noqa: E402

app.command("serve")(_serve.serve)
from api.cli import _sensors  # noqa: E402

app.add_typer(_sensors.app, name="sensors")
from api.cli import _alerts  # noqa: E402

app.add_typer(_alerts.app, name="alerts")
from api.cli import _run  # noqa: E402

app.command("run")(_run.run)
app.command("nowcast")(_run.nowcast)
from api.cli import _dispatch  # noqa: E402

app.add_typer(_dispatch.app, name="dispatch")
from api.cli import _ensemble  # noqa: E402

app.command("ensemble")(_ensemble.ensemble)
from api.cli import _layers  # noqa: E402

app.add_typer(_layers.app, name="layers")
from api.cli import _demo  # noqa: E402

app.command("demo")(_demo.demo)
from api.cli import _city  # noqa: E402

app.add_typer(_city.app, name="city")
from api.cli import _export  # noqa: E402

app.command("export")(_export.export)
from api.cli import _report  # noqa: E402

app.command("report")(_report.report)
from api.cli import _operate  # noqa: E402

app.command("operate")(_operate.operate)
