"""Questions ``makemigrations`` asks: renames, one-off defaults, merges.

The autodetector only calls these methods; it never prints or reads input itself.
:class:`NonInteractiveQuestioner` answers without asking (``--noinput``), and refuses
a rename question unless told the answer (``--renames yes|no``).
"""

from __future__ import annotations

import datetime
import sys
from typing import IO, Any

from dbshift.exceptions import UnansweredQuestionError, UserAbort
from dbshift.models.fields import NOT_PROVIDED, Field
from dbshift.utils import timezone


class Questioner:
    """Answer without asking: refuse where an answer decides whether data is kept.

    A removed field (or model) and an added one of the same shape are a rename,
    which keeps the values, or a removal and an addition, which drops them. With
    ``renames`` None, nobody has said which, and the question raises
    :class:`UnansweredQuestionError`; True or False answers every such question.
    """

    def __init__(self, renames: bool | None = None) -> None:
        self.renames = renames

    def ask_rename_model(self, app_label: str, old_name: str, new_name: str) -> bool:
        return self._scripted_rename(
            f"Model {app_label}.{old_name} was removed and {app_label}.{new_name} added "
            "with the same fields: a rename keeps its rows, a removal drops them.",
            loses="table",
        )

    def ask_rename_field(self, model_name: str, old_name: str, new_name: str, field: Field) -> bool:
        return self._scripted_rename(
            f"Field {model_name}.{old_name} was removed and {model_name}.{new_name} added with the "
            f"same column (a {type(field).__name__}): a rename keeps its values, a removal "
            "drops them.",
            loses="column",
        )

    def _scripted_rename(self, what: str, loses: str) -> bool:
        if self.renames is None:
            raise UnansweredQuestionError(
                f"{what} makemigrations --noinput cannot ask which; run it without --noinput "
                "to answer, or add --renames yes (rename) or --renames no (drop the "
                f"{loses} and its data)."
            )
        return self.renames

    def ask_not_null_addition(self, field_name: str, model_name: str) -> Any:
        """Return a one-off default for a new NOT NULL field, or raise :class:`UserAbort`."""
        raise UserAbort(
            f"It is impossible to add a non-nullable field '{field_name}' to {model_name} "
            "without specifying a default, because the database needs something to put "
            "in existing rows. Give the field a default (or null=True) in models.py, or "
            "run makemigrations without --noinput to provide a one-off default."
        )

    def ask_not_null_alteration(self, field_name: str, model_name: str) -> Any:
        """Return a one-off default for NULLs in a field made NOT NULL, or NOT_PROVIDED."""
        return NOT_PROVIDED

    def ask_merge(self, app_label: str) -> bool:
        return True


class DetectOnlyQuestioner(Questioner):
    """Answer so that changes can be found without asking and without failing.

    Used where only *whether* migrations are missing matters (``--check``, ``check``,
    ``migrate``'s closing warning); the answers never reach a file.
    """

    def __init__(self) -> None:
        super().__init__(renames=False)

    def ask_not_null_addition(self, field_name: str, model_name: str) -> Any:
        return None


class NonInteractiveQuestioner(Questioner):
    """The questioner for ``--noinput``: it never asks; see :class:`Questioner`."""

    def __init__(self, stderr: IO[str] | None = None, renames: bool | None = None) -> None:
        super().__init__(renames)
        self.stderr = stderr or sys.stderr

    def ask_not_null_alteration(self, field_name: str, model_name: str) -> Any:
        self.stderr.write(
            f"Field '{field_name}' on {model_name} becomes non-nullable without a default; "
            "existing rows with NULL will make the migration fail. Run makemigrations "
            "interactively to give them a one-off default.\n"
        )
        return NOT_PROVIDED


class InteractiveQuestioner(Questioner):
    """Ask the user at a terminal, except the rename questions ``renames`` answers."""

    def __init__(
        self,
        stdin: IO[str] | None = None,
        stdout: IO[str] | None = None,
        renames: bool | None = None,
    ) -> None:
        super().__init__(renames)
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout

    def _write(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def _input(self, prompt: str) -> str:
        self._write(prompt)
        line = self.stdin.readline()
        if not line:
            raise UserAbort("No answer (end of input); nothing was written.")
        return line.rstrip("\n")

    def _boolean(self, question: str) -> bool:
        while True:
            answer = self._input(f"{question} [y/N] ").strip().lower()
            if answer in ("", "n", "no"):
                return False
            if answer in ("y", "yes"):
                return True
            self._write("Please answer yes or no.\n")

    def _choice(self, question: str, choices: list[str]) -> int:
        self._write(question + "\n")
        for number, choice in enumerate(choices, 1):
            self._write(f" {number}) {choice}\n")
        while True:
            answer = self._input("Select an option: ").strip()
            if answer.isdigit() and 1 <= int(answer) <= len(choices):
                return int(answer)
            self._write(f"Please select a valid option (1-{len(choices)}).\n")

    def _one_off_default(self) -> Any:
        self._write(
            "Please enter the default value as valid Python.\n"
            "The datetime and timezone modules are available, so it is possible to "
            "provide e.g. timezone.now as a value.\n"
            "Type 'exit' to exit this prompt\n"
        )
        while True:
            code = self._input(">>> ").strip()
            if code in ("exit", "quit"):
                raise UserAbort("Quit at the default prompt; nothing was written.")
            if not code:
                self._write("Please enter some code, or 'exit' (without quotes) to exit.\n")
                continue
            try:
                return eval(code, {"datetime": datetime, "timezone": timezone}, {})
            except Exception as err:
                self._write(f"Invalid input: {err}\n")

    def ask_rename_model(self, app_label: str, old_name: str, new_name: str) -> bool:
        if self.renames is not None:
            return self.renames
        return self._boolean(f"Was the model {app_label}.{old_name} renamed to {new_name}?")

    def ask_rename_field(self, model_name: str, old_name: str, new_name: str, field: Field) -> bool:
        if self.renames is not None:
            return self.renames
        kind = type(field).__name__
        return self._boolean(
            f"Was {model_name}.{old_name} renamed to {model_name}.{new_name} (a {kind})?"
        )

    def ask_not_null_addition(self, field_name: str, model_name: str) -> Any:
        choice = self._choice(
            f"It is impossible to add a non-nullable field '{field_name}' to {model_name} "
            "without specifying a default. This is because the database needs something "
            "to populate existing rows.\nPlease select a fix:",
            [
                "Provide a one-off default now (will be set on all existing rows)",
                "Quit and manually define a default value in models.py.",
            ],
        )
        if choice == 2:
            raise UserAbort(
                "Quit; give the field a default in models.py and run makemigrations again."
            )
        return self._one_off_default()

    def ask_not_null_alteration(self, field_name: str, model_name: str) -> Any:
        choice = self._choice(
            f"It is impossible to change a nullable field '{field_name}' on {model_name} to "
            "non-nullable without providing a default. This is because the database needs "
            "something to populate existing rows.\nPlease select a fix:",
            [
                "Provide a one-off default now (will be set on all existing rows with a "
                "null value for this column)",
                "Ignore for now. Existing rows that contain NULL values will have to be "
                "handled manually, for example with a RunPython or RunSQL operation.",
                "Quit and manually define a default value in models.py.",
            ],
        )
        if choice == 2:
            return NOT_PROVIDED
        if choice == 3:
            raise UserAbort(
                "Quit; give the field a default in models.py and run makemigrations again."
            )
        return self._one_off_default()

    def ask_merge(self, app_label: str) -> bool:
        return self._boolean(f"Do you want to merge these migration branches of '{app_label}'?")
