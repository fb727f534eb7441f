"""The team quiz example (examples/quiz), as a teacher would check it.

Most tests use TestClient, so a whole 20-second question takes no time at
all.  The last one plays the quiz in headless Chromium with three pages: a
player for each team and the teacher's page, which presses start.
"""

import os
import re

import pytest
from playwright.sync_api import expect

from conftest import DEADLINE, EXAMPLES
from wszero import TestClient

QUIZ = os.path.join(EXAMPLES, "quiz")
PROGRAM = os.path.join(QUIZ, "quiz.py")
MS = DEADLINE * 1000


@pytest.fixture
def quiz():
    with TestClient(PROGRAM) as game:
        yield game


def last(page, op):
    """The last message with this op that the page got."""
    return [msg for msg in page.received if msg["op"] == op][-1]


def scores(page):
    return {team["team"]: (team["points"], team["players"]) for team in last(page, "scores")["teams"]}


def note(page):
    return last(page, "note")["text"]


def players(quiz):
    """A player in red, one in blue, and the teacher (in no team)."""
    red, blue, teacher = quiz.connect(), quiz.connect(), quiz.connect()
    red.send("join", team="red")
    blue.send("join", team="blue")
    return red, blue, teacher


def test_quiz_players_join_teams_and_the_scoreboard_counts_them(quiz):
    red, blue, teacher = players(quiz)
    assert last(red, "team") == {"op": "team", "team": "red"}
    assert last(blue, "team") == {"op": "team", "team": "blue"}
    assert scores(teacher) == {"red": (0, 1), "blue": (0, 1)}


def test_quiz_a_player_who_changes_team_counts_in_the_new_one_only(quiz):
    red, blue, teacher = players(quiz)
    red.send("join", team="blue")
    assert scores(teacher) == {"red": (0, 0), "blue": (0, 2)}


def test_quiz_start_shows_everyone_the_first_question_and_20_seconds(quiz):
    red, blue, teacher = players(quiz)
    teacher.send("start")
    for page in (red, blue, teacher):
        assert last(page, "question") == {"op": "question", "text": "Question 1: How many legs does a spider have?"}
        assert last(page, "clock") == {"op": "clock", "seconds": 20}


def test_quiz_counts_down_every_second_then_shows_the_answer(quiz):
    red, blue, teacher = players(quiz)
    teacher.send("start")
    quiz.advance(1)
    assert last(blue, "clock") == {"op": "clock", "seconds": 19}
    quiz.advance(19)
    assert [msg["seconds"] for msg in blue.received if msg["op"] == "clock"] == list(range(20, 0, -1))
    assert blue.received[-1] == {"op": "timesup", "answer": "8"}
    quiz.advance(60)
    assert blue.received[-1] == {"op": "timesup", "answer": "8"}  # and the clock is quiet until the next one


def test_quiz_a_right_answer_scores_a_point_for_the_team_and_everyone_sees_it(quiz):
    red, blue, teacher = players(quiz)
    teacher.send("start")
    red.send("answer", text="8")
    assert note(red) == "Right! One point for red."
    for page in (red, blue, teacher):
        assert scores(page) == {"red": (1, 1), "blue": (0, 1)}


def test_quiz_answers_are_checked_without_minding_capitals_or_spaces(quiz):
    red, blue, teacher = players(quiz)
    teacher.send("start")
    teacher.send("start")
    blue.send("answer", text="  Jupiter ")
    assert scores(teacher) == {"red": (0, 1), "blue": (1, 1)}


def test_quiz_a_number_typed_in_the_playground_is_checked_as_text(quiz):
    red, blue, teacher = players(quiz)
    teacher.send("start")
    red.send("answer", text=8)  # the playground sends 8 as a number; the handler wants text
    assert note(red) == "Right! One point for red."


def test_quiz_a_wrong_answer_scores_nothing(quiz):
    red, blue, teacher = players(quiz)
    teacher.send("start")
    blue.send("answer", text="6")
    assert note(blue) == "Not this time. Wait for the next question!"
    assert scores(teacher) == {"red": (0, 1), "blue": (0, 1)}


def test_quiz_an_answer_after_time_is_up_is_refused_kindly_on_that_page_only(quiz):
    red, blue, teacher = players(quiz)
    teacher.send("start")
    quiz.advance(20)
    seen_by_blue = list(blue.received)
    red.send("answer", text="8")
    assert red.received[-1] == {"op": "note", "text": "Time's up! Wait for the next question."}
    assert blue.received == seen_by_blue
    assert scores(teacher) == {"red": (0, 1), "blue": (0, 1)}


def test_quiz_an_answer_in_the_last_second_still_counts(quiz):
    red, blue, teacher = players(quiz)
    teacher.send("start")
    quiz.advance(19.9)
    red.send("answer", text="8")
    assert scores(teacher) == {"red": (1, 1), "blue": (0, 1)}


def test_quiz_each_player_answers_each_question_once(quiz):
    red, blue, teacher = players(quiz)
    teacher.send("start")
    red.send("answer", text="7")
    red.send("answer", text="8")
    assert note(red) == "You have answered this one already."
    assert scores(teacher) == {"red": (0, 1), "blue": (0, 1)}
    teacher.send("start")
    red.send("answer", text="jupiter")
    assert scores(teacher) == {"red": (1, 1), "blue": (0, 1)}


def test_quiz_a_player_without_a_team_is_asked_to_pick_one(quiz):
    red, blue, teacher = players(quiz)
    teacher.send("start")
    teacher.send("answer", text="8")
    assert note(teacher) == "Pick a team first!"


def test_quiz_a_team_that_is_not_red_or_blue_is_ignored(quiz):
    red, blue, teacher = players(quiz)
    teacher.send("join", team="green")
    assert scores(teacher) == {"red": (0, 1), "blue": (0, 1)}


def test_quiz_the_next_question_clears_the_last_note_and_restarts_the_clock(quiz):
    red, blue, teacher = players(quiz)
    teacher.send("start")
    red.send("answer", text="8")
    quiz.advance(5)
    teacher.send("start")
    assert note(red) == ""
    assert "note" not in [msg["op"] for msg in teacher.received]  # the teacher's page shows no notes
    assert last(red, "clock") == {"op": "clock", "seconds": 20}
    quiz.advance(20)
    assert red.received[-1] == {"op": "timesup", "answer": "jupiter"}


def test_quiz_a_player_who_leaves_is_no_longer_counted(quiz):
    red, blue, teacher = players(quiz)
    blue.disconnect()
    assert scores(teacher) == {"red": (0, 1), "blue": (0, 0)}


def test_quiz_after_the_last_question_it_says_the_quiz_is_over(quiz):
    red, blue, teacher = players(quiz)
    for _ in range(4):
        teacher.send("start")
        red.send("answer", text="cow")
    assert scores(teacher) == {"red": (1, 1), "blue": (0, 1)}
    teacher.send("start")
    assert last(red, "question") == {"op": "question", "text": "The quiz is over. Well done, everyone!"}
    red.send("answer", text="cow")
    assert note(red) == "Time's up! Wait for the next question."


@pytest.mark.parametrize("page", ["index.html", "teacher.html"])
def test_quiz_pages_have_no_script_but_the_stub(page):
    with open(os.path.join(QUIZ, page), encoding="utf-8") as f:
        assert re.findall(r"<script[^>]*>", f.read()) == ['<script src="/wszero.js">']


# =============================================================================
# In the browser
# =============================================================================


def shows(page, selector, texts):
    expect(page.page.locator(f"{selector} >> visible=true")).to_have_text(texts, timeout=MS)


def test_quiz_played_in_chromium_by_two_teams_and_the_teacher(run, open_page):
    program = run(path=PROGRAM)
    red, blue = open_page(program.url), open_page(program.url)
    teacher = open_page(program.url + "/teacher.html")
    red.page.click("text=Red")
    shows(red, "[data-on=team]", ["You are in team red."])
    blue.page.click("text=Blue")
    everyone = (red, blue, teacher)
    for page in everyone:
        shows(page, "[data-on=scores] td", ["red", "0", "1", "blue", "0", "1"])

    teacher.page.click("text=Next question")
    for page in everyone:
        shows(page, "[data-on=question]", ["Question 1: How many legs does a spider have?"])
        shows(page, "[data-on~=clock] span", [re.compile(r"Seconds left: (20|19)")])
    shows(red, "[data-on~=clock] span", ["Seconds left: 18"])  # the countdown goes on

    red.page.fill("[name=text]", "8")
    red.page.press("[name=text]", "Enter")
    shows(red, "[data-on=note]", ["Right! One point for red."])
    for page in everyone:
        shows(page, "[data-on=scores] td", ["red", "1", "1", "blue", "0", "1"])
    for page in everyone:
        assert page.console_text("pageerror") == [] and page.console_text("warning") == []
    assert "Oops" not in program.stderr and "Traceback" not in program.stderr
