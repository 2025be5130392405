"""Understanding a resident's text message, as pure, table-driven policy: which problem
(``classify``), where (``gazetteer``), which command (``commands``), which language
(``text``), and what to do next in a short conversation (``dialogue``).

Everything here takes the city's data (catalogue keywords, road and area names) as plain
values; nothing imports Flask or SQLAlchemy, so it is tested exhaustively and measured
against a labelled set of real-looking messages."""

from workflows.sms.classify import Classification, Classifier
from workflows.sms.commands import Command, CommandKind, parse_command
from workflows.sms.dialogue import Awaiting, Step, StepKind, next_step
from workflows.sms.gazetteer import AreaEntry, Gazetteer, LandmarkEntry, Place
from workflows.sms.text import (
    detect_language,
    normalize,
    prose_language,
    segments,
)

__all__ = [
    "AreaEntry", "Awaiting", "Classification", "Classifier", "Command", "CommandKind",
    "Gazetteer", "LandmarkEntry", "Place", "Step", "StepKind", "detect_language", "next_step",
    "normalize",
    "parse_command", "prose_language", "segments",
]
