"""`manage.py makemessages`: Django's, which also reads the Jinja2 templates (jinja2/*.jinja,
songkhla_network/jinja.py). Django's own reading of templates knows only its template language:
each .jinja file is read by Jinja2's i18n extension instead, and what it finds — `_("…")`,
`ngettext("…", "…", n)`, `pgettext(context, "…")` — is handed to xgettext as the same calls in
Python, each on the line of the template it is on (the catalog's references name the template)."""

from typing import Any

from django.core.management.commands import makemessages
from django.template import engines


def python_calls(source: str) -> str:
    """The translations a Jinja2 template asks for, as Python calls on the template's lines."""
    environment = engines["jinja2"].env  # type: ignore[attr-defined]
    lines: list[list[str]] = [[] for _ in source.splitlines() or [""]]
    for line, function, message in environment.extract_translations(source):
        strings = message if isinstance(message, tuple) else (message,)
        arguments = ", ".join(repr(s) for s in strings if s is not None)
        if function in ("_", "gettext"):
            call = f"gettext({arguments})"
        elif function == "ngettext":
            call = f"ngettext({arguments}, 1)"
        elif function == "pgettext":
            call = f"pgettext({arguments})"
        else:  # npgettext
            call = f"npgettext({arguments}, 1)"
        lines[line - 1].append(call)
    return "\n".join("; ".join(calls) for calls in lines) + "\n"


class BuildFile(makemessages.BuildFile):
    def preprocess(self) -> None:
        if not self.path.endswith(".jinja"):
            return super().preprocess()
        with open(self.path, encoding="utf-8") as template:
            calls = python_calls(template.read())
        with open(self.work_path, "w", encoding="utf-8") as work:
            work.write(calls)
        return None


class Command(makemessages.Command):
    build_file_class = BuildFile

    def handle(self, *args: Any, **options: Any) -> str | None:
        if options.get("domain", "django") == "django":
            options["extensions"] = [*(options.get("extensions") or ["html", "txt", "py"]), "jinja"]
        return super().handle(*args, **options)
