"""Options that many `telework` commands share, typed once (Typer reads the annotations)."""

from typing import Annotated, Literal

import typer

Json = Annotated[bool, typer.Option("--json", help="print JSON instead of text")]
Lang = Annotated[Literal["th", "en"], typer.Option(help="language of the text: th or en")]
Token = Annotated[
    str | None, typer.Option(help="your token: the command acts as you (default $TELEWORK_TOKEN)")
]
NatsUrl = Annotated[str | None, typer.Option(help="NATS address (default $TELEWORK_NATS_URL)")]


def sub_app(help_text: str) -> typer.Typer:
    """A command group as every group of ours is made: help on -h too, no completion flags."""
    return typer.Typer(
        help=help_text,
        no_args_is_help=True,
        add_completion=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
