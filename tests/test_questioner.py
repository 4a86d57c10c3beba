"""The questions makemigrations asks, interactively and with --noinput."""

from __future__ import annotations

import datetime
import io

import pytest

from dbshift import models
from dbshift.exceptions import UnansweredQuestionError, UserAbort
from dbshift.migrations.questioner import (
    InteractiveQuestioner,
    NonInteractiveQuestioner,
    Questioner,
)
from dbshift.models.fields import NOT_PROVIDED
from dbshift.utils import timezone


def asking(answers: str) -> tuple[InteractiveQuestioner, io.StringIO]:
    output = io.StringIO()
    return InteractiveQuestioner(io.StringIO(answers), output), output


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("y\n", True), ("yes\n", True), ("Y\n", True), ("n\n", False), ("no\n", False), ("\n", False)],
)
def test_field_rename_question(answer, expected):
    questioner, output = asking(answer)

    assert (
        questioner.ask_rename_field("article", "title", "headline", models.CharField()) is expected
    )
    assert output.getvalue() == (
        "Was article.title renamed to article.headline (a CharField)? [y/N] "
    )


def test_model_rename_question():
    questioner, output = asking("y\n")

    assert questioner.ask_rename_model("pages", "Article", "Post") is True
    assert output.getvalue() == "Was the model pages.Article renamed to Post? [y/N] "


def test_unclear_answer_asks_again():
    questioner, output = asking("maybe\nyes\n")

    assert questioner.ask_rename_model("pages", "Article", "Post") is True
    assert "Please answer yes or no." in output.getvalue()
    assert output.getvalue().count("[y/N]") == 2


def test_end_of_input_quits_with_exit_code_3():
    questioner, _output = asking("")

    with pytest.raises(UserAbort) as caught:
        questioner.ask_rename_model("pages", "Article", "Post")

    assert caught.value.exit_code == 3


def test_one_off_default_for_a_new_field():
    questioner, output = asking("1\n'untitled'\n")

    assert questioner.ask_not_null_addition("body", "article") == "untitled"
    text = output.getvalue()
    assert text.startswith(
        "It is impossible to add a non-nullable field 'body' to article without specifying "
        "a default. This is because the database needs something to populate existing rows.\n"
        "Please select a fix:\n"
        " 1) Provide a one-off default now"
    )
    assert " 2) Quit and manually define a default value in models.py.\n" in text
    assert "Please enter the default value as valid Python.\n" in text
    assert "The datetime and timezone modules are available" in text
    assert text.endswith(">>> ")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("timezone.now", timezone.now),
        ("datetime.date(2024, 1, 31)", datetime.date(2024, 1, 31)),
        ("0", 0),
        ("[1, 2]", [1, 2]),
        ("None", None),
    ],
)
def test_one_off_default_is_a_python_expression(code, expected):
    questioner, _output = asking(f"1\n{code}\n")

    assert questioner.ask_not_null_addition("body", "article") == expected


def test_bad_code_and_empty_input_ask_again():
    questioner, output = asking("1\nfoo(\n\n'x'\n")

    assert questioner.ask_not_null_addition("body", "article") == "x"
    text = output.getvalue()
    assert "Invalid input:" in text
    assert "Please enter some code, or 'exit' (without quotes) to exit.\n" in text
    assert text.count(">>> ") == 3


def test_invalid_choice_asks_again():
    questioner, output = asking("7\nx\n1\n5\n")

    assert questioner.ask_not_null_addition("body", "article") == 5
    assert output.getvalue().count("Please select a valid option (1-2).") == 2


@pytest.mark.parametrize("answers", ["2\n", "1\nexit\n", "1\nquit\n", "1\n"])
def test_quitting_the_default_prompt_stops_with_exit_code_3(answers):
    questioner, _output = asking(answers)

    with pytest.raises(UserAbort) as caught:
        questioner.ask_not_null_addition("body", "article")

    assert caught.value.exit_code == 3


def test_not_null_alteration_choices():
    questioner, output = asking("1\n''\n")
    assert questioner.ask_not_null_alteration("title", "article") == ""
    assert output.getvalue().startswith(
        "It is impossible to change a nullable field 'title' on article to non-nullable "
        "without providing a default."
    )
    assert " 3) Quit and manually define a default value in models.py.\n" in output.getvalue()

    questioner, _output = asking("2\n")
    assert questioner.ask_not_null_alteration("title", "article") is NOT_PROVIDED

    questioner, _output = asking("3\n")
    with pytest.raises(UserAbort):
        questioner.ask_not_null_alteration("title", "article")


def test_non_interactive_questioner_refuses_renames_and_stops_for_a_default():
    errors = io.StringIO()
    questioner = NonInteractiveQuestioner(errors)

    with pytest.raises(UnansweredQuestionError) as refused:
        questioner.ask_rename_model("pages", "Article", "Post")
    assert refused.value.exit_code == 3
    with pytest.raises(UnansweredQuestionError) as refused:
        questioner.ask_rename_field("article", "a", "b", models.IntegerField())
    assert "Field article.a was removed and article.b added" in str(refused.value)
    with pytest.raises(UserAbort) as caught:
        questioner.ask_not_null_addition("body", "article")
    assert caught.value.exit_code == 3
    message = str(caught.value)
    assert "non-nullable field 'body' to article" in message
    assert "default" in message and "null=True" in message and "--noinput" in message


@pytest.mark.parametrize("answer", [True, False])
def test_non_interactive_questioner_gives_the_scripted_rename_answer(answer):
    questioner = NonInteractiveQuestioner(io.StringIO(), renames=answer)

    assert questioner.ask_rename_model("pages", "Article", "Post") is answer
    assert questioner.ask_rename_field("article", "a", "b", models.IntegerField()) is answer


def test_non_interactive_alteration_warns_and_goes_on():
    errors = io.StringIO()

    value = NonInteractiveQuestioner(errors).ask_not_null_alteration("title", "article")

    assert value is NOT_PROVIDED
    assert "Field 'title' on article becomes non-nullable" in errors.getvalue()


def test_default_questioner_refuses_what_needs_an_answer():
    questioner = Questioner()

    with pytest.raises(UnansweredQuestionError):
        questioner.ask_rename_model("pages", "A", "B")
    with pytest.raises(UnansweredQuestionError):
        questioner.ask_rename_field("a", "b", "c", models.IntegerField())
    assert questioner.ask_not_null_alteration("a", "b") is NOT_PROVIDED
    with pytest.raises(UserAbort):
        questioner.ask_not_null_addition("a", "b")
