"""German texts for the command line's own words (click's and typer's help and errors).

Typer and click write their help panels and usage errors in English ("Options",
"[required]", "Missing option"); coordinators read German. Click marks these strings for
gettext (``_("…")``) and typer keeps them as module constants: :func:`install` swaps both
for German, once, when the CLI is built. Strings not listed stay as they are.
"""

from __future__ import annotations

import importlib

#: English message (as click/typer write it) -> German.
GERMAN: dict[str, str] = {
    "Aborted!": "Abgebrochen.",
    "Aborted.": "Abgebrochen.",
    "Arguments": "Argumente",
    "Commands": "Befehle",
    "Options": "Optionen",
    "Error": "Fehler",
    "Usage:": "Aufruf:",
    "Missing command.": "Befehl fehlt.",
    "Show this message and exit.": "Diese Hilfe zeigen und beenden.",
    "Show the version and exit.": "Version zeigen und beenden.",
    "Error: {message}": "Fehler: {message}",
    "Invalid value for {param_hint}: {message}": "Ungültiger Wert für {param_hint}: {message}",
    "Invalid value: {message}": "Ungültiger Wert: {message}",
    "Missing argument": "Argument fehlt",
    "Missing option": "Option fehlt",
    "Missing parameter": "Angabe fehlt",
    "Missing parameter: {param_name}": "Angabe fehlt: {param_name}",
    "Missing {param_type}": "{param_type} fehlt",
    "No such command {name!r}.": "Unbekannter Befehl {name!r}.",
    "No such option {name!r}.": "Unbekannte Option {name!r}.",
    "Try '{command} {option}' for help.": "Hilfe: '{command} {option}'.",
    "Option {name!r} does not take a value.": "Option {name!r} nimmt keinen Wert.",
    "Argument {name!r} takes {nargs} values.": "Argument {name!r} braucht {nargs} Werte.",
    "{value!r} is not a valid {number_type}.": "{value!r} ist keine gültige Zahl ({number_type}).",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "{value!r} ist kein gültiger Wahrheitswert. Erlaubt: {states}",
    "{value} is not in the range {range}.": "{value} liegt nicht im Bereich {range}.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} existiert nicht.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} ist ein Ordner.",
    "{name} {filename!r} is a file.": "{name} {filename!r} ist eine Datei.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} ist nicht lesbar.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} ist nicht beschreibbar.",
    "Could not open file {filename!r}: {message}":
        "Datei {filename!r} lässt sich nicht öffnen: {message}",
    "file": "Datei",
    "directory": "Ordner",
    "path": "Pfad",
    "default: {default}": "Standard: {default}",
    "required": "Pflicht",
    "env var: {var}": "Umgebungsvariable: {var}",
    "deprecated": "veraltet",
}

#: typer's own constants of the rich help output.
_TYPER_CONSTANTS = {
    "ARGUMENTS_PANEL_TITLE": "Argumente",
    "OPTIONS_PANEL_TITLE": "Optionen",
    "COMMANDS_PANEL_TITLE": "Befehle",
    "ERRORS_PANEL_TITLE": "Fehler",
    "REQUIRED_LONG_STRING": "[Pflicht]",
    "DEFAULT_STRING": "[Standard: {}]",
    "ENVVAR_STRING": "[Umgebungsvariable: {}]",
    "DEPRECATED_STRING": "(veraltet) ",
    "ABORTED_TEXT": "Abgebrochen.",
    "RICH_HELP": "Hilfe: [blue]'{command_path} {help_option}'[/]",
}

_MODULES = ("click.core", "click.exceptions", "click.decorators", "click.parser",
            "click.types", "click.formatting", "click.termui", "typer.core", "typer.main",
            "typer.rich_utils")


#: Patterns in the messages of typer's own copy of click (plain f-strings there).
_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"^Invalid value for (.+?): ", r"Ungültiger Wert für \1: "),
    (r"^Invalid value: ", "Ungültiger Wert: "),
    (r"^Missing argument (.+?)\.", r"Argument \1 fehlt."),
    (r"^Missing option (.+?)\.", r"Option \1 fehlt."),
    (r"^Missing parameter: ", "Angabe fehlt: "),
    (r"^No such option: (.+)", r"Unbekannte Option: \1"),
    (r"^No such command (.+?)\.", r"Unbekannter Befehl \1."),
    (r"^Got unexpected extra argument(?:s|\(s\))? \((.+)\)",
     r"Unerwartete zusätzliche Angaben (\1); Angaben mit Leerzeichen in Anführungszeichen "
     r"setzen"),
    (r"Did you mean (.+?)\?", r"Meinten Sie \1?"),
    (r"\(Possible options: (.+?)\)", r"(Mögliche Optionen: \1)"),
    (r"Input should be a valid integer.*$", "ganze Zahl erwartet"),
    (r"Input should be a valid number.*$", "Zahl erwartet"),
    (r"Input should be a valid boolean.*$", "ja/nein erwartet"),
    (r"Input should be greater than or equal to (\S+)$", r"mindestens \1 erwartet"),
    (r"Input should be less than or equal to (\S+)$", r"höchstens \1 erwartet"),
    (r"Input should be greater than (\S+)$", r"mehr als \1 erwartet"),
    (r"Input should be less than (\S+)$", r"weniger als \1 erwartet"),
    (r"Input should be (.+)$", r"erwartet: \1"),
    (r"'(.+?)' is not one of (.+)$", r"„\1“ ist keiner von \2"),
)


def translate(message: str) -> str:
    """German text for a usage-error message of typer's own click."""
    import re

    out = GERMAN.get(message, message)
    for pattern, repl in _PATTERNS:
        out = re.sub(pattern, repl, out)
    return out


def german(message: str) -> str:
    """The German text of a click/typer message (the message itself when unknown)."""
    return GERMAN.get(message, message)


def install() -> None:
    """Make click's and typer's own messages German (idempotent)."""
    for name in _MODULES:
        try:
            mod = importlib.import_module(name)
        except ImportError:  # pragma: no cover - a module of another click/typer version
            continue
        if hasattr(mod, "_"):
            mod._ = german  # type: ignore[attr-defined]
    import typer.rich_utils as ru

    for key, value in _TYPER_CONSTANTS.items():
        if hasattr(ru, key):
            setattr(ru, key, value)
    _patch_vendored_click()
    _patch_type_labels()


#: typer's type labels in the help panels (``<int>``, ``<path>``) -> German.
TYPE_LABELS = {"str": "TEXT", "int": "ZAHL", "float": "ZAHL", "int range": "ZAHL",
               "float range": "ZAHL", "path": "PFAD", "file": "DATEI", "directory": "ORDNER",
               "datetime": "ZEITPUNKT", "bool": ""}


def type_label(label: str | None) -> str | None:
    """The German label of a typer type label (``<list[str]>`` -> ``TEXT …``).

    A flag's ``<bool>`` goes: it takes no value, and the label made it look as if it took
    one. A label of choices (``walk|bike|drive``) or an unknown one stays as it is.
    """
    if label is None or not (label.startswith("<") and label.endswith(">")):
        return label
    inner, many = label[1:-1], ""
    if inner.startswith("list[") and inner.endswith("]"):
        inner, many = inner[5:-1], " …"
    german_label = TYPE_LABELS.get(inner)
    if german_label is None:
        return label
    return german_label + many if german_label else None


def _patch_type_labels() -> None:
    """typer >= 0.25 shows the Python type of each option (``<int>``) in the panels."""
    try:
        from typer.core import TyperArgument, TyperOption
    except ImportError:  # pragma: no cover - a typer without these classes
        return
    for cls in (TyperArgument, TyperOption):
        original = getattr(cls, "display_type_rich", None)
        if original is None or getattr(original, "_hausbesuch_german", False):
            continue

        def display_type_rich(self, ctx, _original=original):  # type: ignore[no-untyped-def]
            return type_label(_original(self, ctx))

        display_type_rich._hausbesuch_german = True  # type: ignore[attr-defined]
        cls.display_type_rich = display_type_rich  # type: ignore[method-assign]


def _patch_vendored_click() -> None:
    """typer >= 0.20 carries its own click (``typer._click``) with English f-strings."""
    try:
        from typer._click import decorators, exceptions, formatting
    except ImportError:  # an older typer on plain click: the gettext patch covers it
        return
    if getattr(exceptions, "_hausbesuch_german", False):
        return
    exceptions._hausbesuch_german = True  # type: ignore[attr-defined]
    for cls in (exceptions.UsageError, exceptions.BadParameter, exceptions.MissingParameter,
                exceptions.NoSuchOption):
        original = cls.format_message

        def format_message(self, _original=original):  # type: ignore[no-untyped-def]
            return translate(_original(self))

        cls.format_message = format_message  # type: ignore[method-assign]

    original_usage = formatting.HelpFormatter.write_usage

    def write_usage(self, prog, args="", prefix=None):  # type: ignore[no-untyped-def]
        return original_usage(self, prog, args, "Aufruf: " if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = write_usage  # type: ignore[method-assign]
    original_help = decorators.help_option

    def help_option(*decls, **kw):  # type: ignore[no-untyped-def]
        decorate = original_help(*decls, **kw)

        def apply(f):  # type: ignore[no-untyped-def]
            result = decorate(f)
            params = getattr(f, "params", None) or getattr(f, "__click_params__", None)
            if params:
                params[-1].help = GERMAN["Show this message and exit."]
            return result

        return apply

    decorators.help_option = help_option
    from typer._click import core

    original_pieces = core.Command.collect_usage_pieces

    def collect_usage_pieces(self, ctx):  # type: ignore[no-untyped-def]
        return [p.replace("[OPTIONS]", "[OPTIONEN]") for p in original_pieces(self, ctx)]

    core.Command.collect_usage_pieces = collect_usage_pieces  # type: ignore[method-assign]
