"""osteo-print score: typed answers, marking, item statistics, pairing and gains, review
decisions, the results folder and the command line. (Report and review PDFs:
test_score_report.py; scanned pages: test_score_scans.py.)"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_score_support import PDFS, demo_key, stub_pdfs, typed_header, write_csv, write_key

from osteo_print.cli import cli
from osteo_print.pages import key_json, quiz_version
from osteo_print.plan import Job
from osteo_print.project import open_project
from osteo_print.score import (
    ScoreError,
    apply_decisions,
    class_gain,
    hake,
    item_stats,
    load_keys,
    mark_sheets,
    pair_sheets,
    read_decisions,
    read_typed,
)
from osteo_print.score.model import Answer
from osteo_print.score.run import guard_results_folder
from osteo_print.score.stats import objectives, pearson
from osteo_print.score.tables import items_csv, scores_csv

# --- Keys -------------------------------------------------------------------------------


def build_keys(folder: Path, lang: str = "en", quizzes: tuple[str, ...] = (
        "quiz-pre", "quiz-post", "quiz"), letters: str = "AB") -> Path:
    """The answer keys the quiz command writes, made by the same function
    (``pages.key_json``) without rendering the PDFs."""
    project = open_project(None, None, audiences=["general"], langs=[lang])
    folder.mkdir(parents=True, exist_ok=True)
    for quiz in quizzes:
        for letter in letters:
            job = Job("answer-key", quiz, "general", lang, "letter", letter, 1)
            (folder / f"{job.stem}.json").write_bytes(key_json(quiz_version(project, job), job))
    return folder


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in the test's folder, so that files are named as a user sees them."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture(params=PDFS)
def pdfs(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """report.pdf unrendered in the fast suite, rendered under -m slow (PDFS)."""
    if request.param == "stubbed":
        stub_pdfs(monkeypatch)
    return request.param


@pytest.fixture(scope="module")
def real_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def demo_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo-keys")
    write_key(folder, demo_key())
    write_key(folder, demo_key(quiz="quiz-pre", code="PRE1", sheet_hash="11111111"))
    write_key(folder, demo_key(quiz="quiz-post", code="POS1", sheet_hash="22222222"))
    return folder


def key_of(folder: Path, quiz: str, letter: str = "A", lang: str = "en") -> dict:
    return json.loads((folder / f"{quiz}-key_general_{lang}_letter_{letter}.json").read_text())


def right_answers(key: dict) -> list[str]:
    return ["".join(q["correct"]) for q in key["questions"]]


def wrong_answers(key: dict) -> list[str]:
    """A wrong answer to every question (a wrong letter on every matching line)."""
    out = []
    for q in key["questions"]:
        letters = "ABCDEFGHIJ"[:len(q["options"])]
        if q["type"] == "matching":
            out.append("".join(next(c for c in letters if c != right) for right in q["correct"]))
        elif q["type"] == "multiple":
            out.append(next(c for c in letters if c not in q["correct"]))
        else:
            out.append(next(c for c in letters if c not in q["correct"]))
    return out


# --- Typed answers: scores checked against the key --------------------------------------


def test_right_answers_score_full_marks_and_wrong_ones_zero(real_keys: Path,
                                                           tmp_path: Path) -> None:
    rows = [typed_header(20)]
    for quiz in ("quiz-pre", "quiz-post", "quiz"):
        for letter in "AB":
            key = key_of(real_keys, quiz, letter)
            rows.append(["Right", "01", quiz, letter, key["code"], *right_answers(key)])
            rows.append(["Wrong", "02", quiz, letter.lower(), key["code"].lower(),
                         *wrong_answers(key)])
    sheets = read_typed([write_csv(tmp_path / "typed.csv", rows)], load_keys(real_keys))
    scored = mark_sheets(sheets)
    assert len(scored) == 12
    for s in scored:
        key = key_of(real_keys, s.quiz, s.sheet.key.version)
        assert s.max == key["total_points"]
        assert s.total == (key["total_points"] if s.sheet.person == "Right" else 0)
        assert s.percent == (100.0 if s.sheet.person == "Right" else 0.0)


def test_every_item_type_is_marked_by_its_rule(demo_keys: Path, tmp_path: Path) -> None:
    # demo key: 1 single B (1 pt), 2 multiple AC (2), 3 true-false A (1), 4 fill-blank C
    # (1), 5 matching BDA (3 lines, 3 pts)
    rows = [typed_header(5),
            ["all right", "", "quiz-demo", "A", "AB12", "b", "c a", "A", "C", "BDA"],
            ["one short", "", "quiz-demo", "A", "AB12", "B", "A", "A", "C", "BD_"],
            ["one over", "", "quiz-demo", "A", "AB12", "B", "ACD", "B", "", "DBA"],
            ["blank", "", "quiz-demo", "A", "AB12", "", "", "", "", ""]]
    scored = mark_sheets(read_typed([write_csv(tmp_path / "t.csv", rows)],
                                    load_keys(demo_keys)))
    points = {s.sheet.person: [m.points for m in s.marks] for s in scored}
    assert points == {"all right": [1, 2, 1, 1, 3],
                      "one short": [1, 0, 1, 1, 2],  # multiple: all or nothing
                      "one over": [1, 0, 0, 0, 1],  # matching: one point per line
                      "blank": [0, 0, 0, 0, 0]}
    answers = {s.sheet.person: [m.answer.text() for m in s.marks] for s in scored}
    assert answers["all right"] == ["B", "AC", "A", "C", "BDA"]
    assert answers["one short"][4] == "BD_"


def test_scores_csv_has_one_row_per_sheet_with_answers_points_and_total(
        demo_keys: Path, tmp_path: Path) -> None:
    rows = [typed_header(5),
            ["=HYPERLINK(1)", "07", "demo", "A", "AB12", "B", "AC", "A", "C", "BDA"]]
    rows[1][2] = "quiz-demo"
    scored = mark_sheets(read_typed([write_csv(tmp_path / "t.csv", rows)],
                                    load_keys(demo_keys)))
    text = scores_csv(scored).decode()
    header, row = text.splitlines()
    assert header == ("no,sheet,person,class_id,quiz,form,version,code,q1_answer,q1_points,"
                      "q2_answer,q2_points,q3_answer,q3_points,q4_answer,q4_points,"
                      "q5_answer,q5_points,total,max,percent,flags")
    assert row.endswith(",B,1,AC,2,A,1,C,1,BDA,3,8,8,100.0,")
    assert "'=HYPERLINK(1)" in row  # a spreadsheet shows it, never runs it
    assert row.startswith("1,t.csv:2,'=HYPERLINK(1),07,quiz-demo,handout,A,AB12,")


# --- Typed answers: every bad cell is located ------------------------------------------


def problems_of(folder: Path, path: Path) -> list[str]:
    with pytest.raises(ScoreError) as caught:
        read_typed([path], load_keys(folder))
    return [str(p) for p in caught.value.problems]


def test_every_bad_cell_is_located_and_all_are_reported(demo_keys: Path,
                                                        tmp_path: Path) -> None:
    rows = [typed_header(6),
            ["Ana", "07", "quiz-demo", "A", "AB12", "D", "", "", "", "", ""],  # 2: not printed
            ["Bo", "08", "quiz-demo", "A", "AB12", "AB", "", "", "", "", ""],  # 3: two letters
            ["Cy", "09", "quiz-demo", "A", "AB12", "", "", "", "", "BD", ""],  # 4: matching
            ["Di", "10", "quiz-nope", "A", "AB12", "B", "", "", "", "", ""],  # 5: quiz
            ["Ed", "11", "quiz-demo", "C", "AB12", "B", "", "", "", "", ""],  # 6: version
            ["Fa", "12", "quiz-demo", "A", "FFFF", "B", "", "", "", "", ""],  # 7: code
            ["Gu", "1x", "quiz-demo", "A", "AB12", "1", "AA", "", "", "", "B"],  # 8: several
            ["", "", "quiz-demo", "A", "AB12", "", "", "", "", "", ""],  # skipped: empty
            ["Hu", "13", "quiz-demo", "A", "", "B", "", "", "", "", ""]]  # 10: no code
    found = problems_of(demo_keys, write_csv(tmp_path / "typed.csv", rows))
    expect = [
        ('typed.csv, row 2, column "1"', '"D" is not printed on question 1'),
        ('typed.csv, row 3, column "1"', "takes one answer"),
        ('typed.csv, row 4, column "5"', "3 lines to match"),
        ('typed.csv, row 5, column "quiz"', 'no answer key for quiz "quiz-nope"'),
        ('typed.csv, row 6, column "version"', "version letter"),
        ('typed.csv, row 7, column "code"', "has code AB12"),
        ('typed.csv, row 8, column "class_id"', "not a class ID"),
        ('typed.csv, row 8, column "1"', '"1" is not a letter'),
        ('typed.csv, row 8, column "2"', "written twice"),
        ('typed.csv, row 8, column "6"', "has only 5 questions"),
        ('typed.csv, row 10, column "code"', "is empty"),
    ]
    assert len(found) == len(expect), "\n".join(found)
    for (where, what), line in zip(expect, found, strict=True):
        assert line.startswith(where + ": "), line
        assert what in line, line


@pytest.mark.parametrize(("content", "message"), [
    (b"", "the file is empty"),
    (b"person,class_id,quiz,version,1\n", 'the column "code" is missing'),
    (b"person,class_id,quiz,version,code,1,nickname\n", "unknown column"),
    (b"person,class_id,quiz,version,code,1,1\n", "question 1 has two columns"),
    ("person,class_id,quiz,version,code,1\nJosé,1,quiz-demo,A,AB12,B\n".encode("latin-1"),
     "is not UTF-8 text"),
])
def test_a_bad_file_is_a_located_error(demo_keys: Path, tmp_path: Path, content: bytes,
                                       message: str) -> None:
    path = tmp_path / "typed.csv"
    path.write_bytes(content)
    found = problems_of(demo_keys, path)
    assert any(line.startswith("typed.csv") and message in line for line in found), found


def test_missing_question_columns_are_said_once_per_file(demo_keys: Path,
                                                         tmp_path: Path) -> None:
    rows = [typed_header(3), *([name, "", "quiz-demo", "A", "AB12", "B", "AC", "A"]
                               for name in ("Ana", "Bo", "Cy"))]
    found = problems_of(demo_keys, write_csv(tmp_path / "typed.csv", rows))
    assert found == ['typed.csv, row 2: quiz-demo version A has 5 questions, but the header '
                     'has no column "4"',
                     'typed.csv, row 2: quiz-demo version A has 5 questions, but the header '
                     'has no column "5"']


def test_semicolons_a_byte_order_mark_and_any_column_order_are_read(
        demo_keys: Path, tmp_path: Path) -> None:
    path = tmp_path / "typed.csv"
    path.write_bytes("\ufeffcode;5;4;3;2;1;version;quiz;class_id;person\n"
                     "ab12;B D A;c;a;ca;b;a;QUIZ-DEMO;3;  Ana   María \n".encode())
    [scored] = mark_sheets(read_typed([path], load_keys(demo_keys)))
    assert (scored.total, scored.sheet.person, scored.sheet.class_id) == (8, "Ana María", "3")


def test_keys_that_share_a_code_but_differ_are_refused(demo_keys: Path,
                                                       tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    write_key(folder, demo_key())
    other = demo_key(lang="es")
    other["questions"][0]["correct"] = ["A"]
    write_key(folder, other)
    rows = [typed_header(5), ["Ana", "", "quiz-demo", "A", "AB12", "B", "", "", "", ""]]
    found = problems_of(folder, write_csv(tmp_path / "typed.csv", rows))
    assert len(found) == 1 and "2 answer keys fit and they differ" in found[0]


def test_a_broken_key_is_located(tmp_path: Path) -> None:
    key = demo_key()
    key["questions"][4]["points"] = 1  # a matching item of 3 lines
    key["questions"][0]["correct"] = ["Z"]
    write_key(tmp_path, key)
    with pytest.raises(ScoreError) as caught:
        load_keys(tmp_path)
    found = [str(p) for p in caught.value.problems]
    assert any("questions[4].points: a matching item scores one point per line" in line
               for line in found), found
    assert any("questions[0].correct: 'Z' is not one of the printed letters" in line
               for line in found), found


# --- Item statistics, by hand ------------------------------------------------------------

# Five sheets of the demo key (points of questions 1-5; the total is out of 8):
#   P1  B  AC A C BDA  -> 1 2 1 1 3 = 8
#   P2  B  A  A C BD_  -> 1 0 1 1 2 = 5
#   P3  A  AC B C DBA  -> 0 2 0 1 1 = 4
#   P4  B  -  B A ___  -> 1 0 0 0 0 = 1
#   P5  C  AC A C BDC  -> 0 2 1 1 2 = 6
HAND_ROWS = [["P1", "1", "B", "AC", "A", "C", "BDA"], ["P2", "2", "B", "A", "A", "C", "BD_"],
             ["P3", "3", "A", "AC", "B", "C", "DBA"], ["P4", "4", "B", "", "B", "A", ""],
             ["P5", "5", "C", "AC", "A", "C", "BDC"]]


def hand_scored(folder: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    rows = [typed_header(5)] + [[p, c, "quiz-demo", "A", "AB12", *a] for p, c, *a in HAND_ROWS]
    return mark_sheets(read_typed([write_csv(tmp_path / "hand.csv", rows)], load_keys(folder)))


def test_item_statistics_match_hand_computed_values(demo_keys: Path, tmp_path: Path) -> None:
    scored = hand_scored(demo_keys, tmp_path)
    assert [s.total for s in scored] == [8, 5, 4, 1, 6]
    stats = {i.item: i for i in item_stats(scored)}
    q1, q2, q4, q5 = (stats[f"quiz-demo-item-{n}"] for n in (1, 2, 4, 5))
    # q1: points x = 1 1 0 1 0, rest y = total - x = 7 4 4 0 6.
    # mean x 0.6, mean y 4.2; sum dx*dy = -1.6, sum dx^2 = 1.2, sum dy^2 = 28.8.
    assert q1.difficulty == pytest.approx(3 / 5)
    assert q1.discrimination == pytest.approx(-1.6 / math.sqrt(1.2 * 28.8))  # -0.272
    assert q1.flags == ("negative discrimination",)
    # q2 (2 points): x = 2 0 2 0 2 -> difficulty 6 / 10; y = 6 5 2 1 4;
    # sum dx*dy = 2.4, sum dx^2 = 4.8, sum dy^2 = 17.2.
    assert q2.difficulty == pytest.approx(0.6)
    assert q2.discrimination == pytest.approx(2.4 / math.sqrt(4.8 * 17.2))  # 0.264
    # q4: x = 1 1 1 0 1 -> 0.8; y = 7 4 3 1 5 (mean 4); sum dx*dy = 3.0, dx^2 0.8,
    # dy^2 20.
    assert q4.difficulty == pytest.approx(0.8)
    assert q4.discrimination == pytest.approx(3.0 / math.sqrt(0.8 * 20))  # 0.75
    # q5 (matching, 3 points): x = 3 2 1 0 2 -> 8 / 15; y = 5 3 3 1 4;
    # sum dx*dy = 6.4, sum dx^2 = 5.2, sum dy^2 = 8.8.
    assert q5.difficulty == pytest.approx(8 / 15)
    assert q5.discrimination == pytest.approx(6.4 / math.sqrt(5.2 * 8.8))  # 0.946
    assert q5.n == 5 and q5.points == 3 and q5.questions == (("A", 5),)
    table = items_csv(item_stats(scored), {}).decode().splitlines()
    assert table[0] == ("quiz,form,item,type,objective,questions,n,points,difficulty,"
                        "discrimination,flags")
    assert table[1] == ("quiz-demo,,quiz-demo-item-1,single,vitamin-d,A1,5,1,0.600,-0.272,"
                        "negative discrimination")


def test_flags_and_what_cannot_be_worked_out(demo_keys: Path, tmp_path: Path) -> None:
    rows = [typed_header(5), *(["P", str(i), "quiz-demo", "A", "AB12", "B", "B", "A", "A", ""]
                               for i in range(6))]
    scored = mark_sheets(read_typed([write_csv(tmp_path / "t.csv", rows)],
                                    load_keys(demo_keys)))
    stats = {i.item[-1]: i for i in item_stats(scored)}
    assert stats["1"].flags == ("too easy",) and stats["1"].difficulty == 1.0
    assert stats["2"].flags == ("too hard",) and stats["2"].difficulty == 0.0
    assert all(i.discrimination is None for i in stats.values())  # nobody differs
    assert pearson([1, 1, 1], [1, 2, 3]) is None and pearson([1], [2]) is None


def test_discrimination_needs_enough_sheets(demo_keys: Path, tmp_path: Path) -> None:
    rows = [typed_header(5)] + [[p, c, "quiz-demo", "A", "AB12", *a]
                                for p, c, *a in HAND_ROWS[:4]]
    scored = mark_sheets(read_typed([write_csv(tmp_path / "t.csv", rows)],
                                    load_keys(demo_keys)))
    assert all(i.discrimination is None for i in item_stats(scored))


# --- Pre and post: pairing and Hake's g --------------------------------------------------


def pre_post(folder: Path, tmp_path: Path, rows: list[list[str]]):  # type: ignore[no-untyped-def]
    table = [typed_header(5)]
    for person, class_id, form, *answers in rows:
        code = "PRE1" if form == "pre" else "POS1"
        table.append([person, class_id, form, "A", code, *answers])
    return mark_sheets(read_typed([write_csv(tmp_path / "pp.csv", table)],
                                  load_keys(folder)))


FULL, HALF = ["B", "AC", "A", "C", "BDA"], ["B", "AC", "", "", ""]  # 8 and 3 of 8 points


def test_sheets_pair_by_class_id_then_by_name_and_the_rest_is_reported(
        demo_keys: Path, tmp_path: Path) -> None:
    scored = pre_post(demo_keys, tmp_path, [
        ["Ana", "07", "pre", *HALF], ["Ana", "07", "post", *FULL],  # by class ID
        ["Bo", "", "pre", *HALF], ["bo ", "", "post", *HALF],  # by name
        ["Cy", "09", "pre", *FULL],  # pre-test only
        ["Di", "11", "pre", *HALF], ["Ed", "11", "pre", *HALF], ["Di", "11", "post", *FULL],
    ])
    pairing = pair_sheets(scored)
    assert [(p.pre.number, p.post.number, p.by) for p in pairing.pairs] == [
        (1, 2, "class_id"), (3, 4, "name"), (6, 8, "name")]
    assert [s.number for s in pairing.pre_only] == [5, 7]
    assert pairing.post_only == ()
    assert ("quiz-pre", "class_id", (6, 7)) in pairing.clashes  # ID 11 twice: not by ID
    assert pairing.pairs[0].label == "07" and pairing.pairs[1].label == "3/4"


def test_hakes_g_for_a_person_and_for_the_class(demo_keys: Path, tmp_path: Path) -> None:
    assert hake(50.0, 75.0) == pytest.approx(0.5)
    assert hake(100.0, 100.0) is None and hake(100.0, 80.0) is None
    assert hake(20.0, 10.0) == pytest.approx(-0.125)
    scored = pre_post(demo_keys, tmp_path, [
        ["A", "1", "pre", *HALF], ["A", "1", "post", *FULL],  # 37.5 -> 100
        ["B", "2", "pre", *FULL], ["B", "2", "post", *FULL],  # 100 -> 100 (no g)
        ["C", "3", "pre", *FULL], ["C", "3", "post", *HALF],  # 100 -> 37.5
    ])
    pairs = pair_sheets(scored).pairs
    assert [p.g for p in pairs] == [pytest.approx(1.0), None, None]
    gain = class_gain(pairs)
    assert gain is not None
    # class averages: pre (37.5 + 100 + 100) / 3 = 79.1667, post 79.1667: g = 0
    assert gain.mean_pre == pytest.approx(237.5 / 3)
    assert gain.mean_gain == pytest.approx(0.0)
    assert gain.g == pytest.approx(0.0)
    assert (gain.improved, gain.same, gain.lower) == (1, 1, 1)
    assert class_gain(()) is None


def test_objectives_before_and_after_and_what_did_not_move(demo_keys: Path,
                                                           tmp_path: Path) -> None:
    scored = pre_post(demo_keys, tmp_path, [
        ["A", "1", "pre", "B", "", "", "", ""], ["A", "1", "post", *FULL],
    ])
    found = {o.objective: o for o in objectives(scored)}
    # vitamin-d: questions 1 (1 pt) and 3 (1 pt): 1 of 2 before, 2 of 2 after
    assert (found["vitamin-d"].before, found["vitamin-d"].after) == (50.0, 100.0)
    assert not found["vitamin-d"].did_not_move
    stuck = pre_post(demo_keys, tmp_path, [["A", "1", "pre", *HALF], ["A", "1", "post", *HALF]])
    still = {o.objective: o for o in objectives(stuck)}
    assert still["falls"].did_not_move and still["falls"].change == 0.0
    assert not still["exercise"].did_not_move  # 100% before and after: nothing to teach
    assert still["falls"].see[0].section == "Section for falls"


# --- Review decisions --------------------------------------------------------------------


def test_decisions_apply_and_bad_ones_are_located(demo_keys: Path, tmp_path: Path) -> None:
    rows = [typed_header(5), ["Ana", "1", "quiz-demo", "A", "AB12", "", "", "", "", ""]]
    sheets = read_typed([write_csv(tmp_path / "t.csv", rows)], load_keys(demo_keys))
    sheets[0].answers[1] = Answer(("AB",), "two-marks")
    review = write_csv(tmp_path / "review.csv", [
        ["sheet", "question", "read", "reason", "decision"],
        ["t.csv:2", "1", "AB", "two-marks", "b"],
        ["t.csv:2", "class_id", "", "", "07"],
        ["t.csv:2", "5", "", "", "B_A"]])
    [decided] = apply_decisions(sheets, read_decisions(review))
    assert decided.answers[1] == Answer(("B",), "", decided=True)
    assert decided.class_id == "07"
    assert decided.reviewed["1"] == ("AB", "two-marks", "B")
    assert mark_sheets([decided])[0].total == 1 + 2
    assert sheets[0].answers[1].doubt == "two-marks"  # the sheets given are not changed

    bad = write_csv(tmp_path / "bad.csv", [
        ["sheet", "question", "read", "reason", "decision"],
        ["t.csv:9", "1", "", "", "B"],
        ["t.csv:2", "17", "", "", "B"],
        ["t.csv:2", "1", "", "", "Q"],
        ["t.csv:2", "class_id", "", "", "seven"],
        ["t.csv:2", "2", "", "", ""],  # not decided yet: left alone
        ["t.csv:2", "3", "", "", "A"], ["t.csv:2", "3", "", "", "B"]])
    with pytest.raises(ScoreError) as caught:
        apply_decisions(sheets, read_decisions(bad))
    found = [str(p) for p in caught.value.problems]
    assert [line.split(":")[0] for line in found] == [
        'bad.csv, row 2, column "sheet"', 'bad.csv, row 3, column "question"',
        'bad.csv, row 4, column "decision"', 'bad.csv, row 5, column "decision"',
        'bad.csv, row 8, column "decision"']


# --- The results folder and the command line ---------------------------------------------


def test_a_results_folder_with_foreign_files_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "results"
    out.mkdir()
    (out / "scan1.pdf").write_bytes(b"%PDF")
    with pytest.raises(Exception, match="did not write") as caught:
        guard_results_folder(out)
    assert "scan1.pdf" in str(caught.value.problems[0])  # type: ignore[attr-defined]


def test_cli_typed_answers_end_to_end_and_errors(demo_keys: Path, tmp_path: Path,
                                                 pdfs: str) -> None:
    typed = write_csv(tmp_path / "typed.csv", [
        typed_header(5), ["Ana", "1", "quiz-demo", "A", "AB12", *FULL],
        ["Bo", "2", "quiz-demo", "A", "AB12", *HALF]])
    out = tmp_path / "results"
    runner = CliRunner()
    result = runner.invoke(cli, ["score", "--answers", typed.name, "--keys", str(demo_keys),
                                 "--out", "results"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Scored 2 sheets (2 quiz-demo) into results")
    assert sorted(p.name for p in out.iterdir()) == [
        "items.csv", "manifest.json", "report.pdf", "scores.csv"]  # typed: nothing to review
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    bad = write_csv(tmp_path / "bad.csv", [typed_header(5),
                                           ["Ana", "1", "quiz-demo", "A", "AB12", "Z"]])
    result = runner.invoke(cli, ["score", "--answers", bad.name, "--keys", str(demo_keys),
                                 "--out", "results"])
    assert result.exit_code == 2
    assert "nothing was written" in result.stderr
    assert 'bad.csv, row 2, column "1": "Z" is not printed on question 1' in result.stderr
    assert "Traceback" not in result.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before

    result = runner.invoke(cli, ["score", "--out", str(out)])
    assert result.exit_code == 2 and "--answers" in result.stderr
    result = runner.invoke(cli, ["score", "--answers", str(typed), "--keys",
                                 str(tmp_path / "nowhere"), "--out", str(out)])
    assert result.exit_code == 2 and "No answer keys" in result.stderr
    result = runner.invoke(cli, ["score", "--answers", str(typed), "--keys", str(demo_keys),
                                 "--out", str(tmp_path)])
    assert result.exit_code == 2 and "did not write" in result.stderr


def test_keys_default_to_the_projects_output_folder(demo_keys: Path, tmp_path: Path) -> None:
    from osteo_print.score.run import default_keys_dir

    config = tmp_path / "osteo-print.toml"
    config.write_text('[defaults]\nout = "printed"\n', "utf-8")
    assert default_keys_dir(config) == tmp_path / "printed"
    assert default_keys_dir(None) == Path("output")


# --- Review findings: typed rows, the results folder, messages ----------------------------


def keys_with_map(folder: Path) -> Path:
    from test_score_support import demo_map

    write_key(folder, demo_key())
    (folder / "quiz-demo_general_en_letter_A.map.json").write_text(
        demo_map().model_dump_json(), "utf-8")
    return folder


def test_typed_rows_too_many_short_too_long_a_class_id_blank_and_twice(
        demo_keys: Path, tmp_path: Path, pdfs: str) -> None:
    from osteo_print.score import typed

    runner = CliRunner()
    many = write_csv(tmp_path / "many.csv", [typed_header(5), *(
        [f"P{n}", "", "quiz-demo", "A", "AB12", *FULL] for n in range(typed.MAX_ROWS + 1))])
    result = runner.invoke(cli, ["score", "--answers", many.name, "--keys", str(demo_keys),
                                 "--out", "results"])
    assert result.exit_code == 2
    assert "many.csv: has 1001 rows of answers; a file holds at most 1,000" in result.stderr

    rows = write_csv(tmp_path / "rows.csv", [
        typed_header(5), ["Ana", "1", "quiz-demo", "A", "AB12", "B", "AC"],  # short
        ["Bo", "1", "quiz-demo", "A", "AB12", *HALF],  # the same class ID
        ["Cy", "2", "quiz-demo", "A", "AB12", "", "", "", "", ""]])  # named, no answers
    result = runner.invoke(cli, ["score", "--answers", rows.name, "--keys", str(demo_keys),
                                 "--out", "results"])
    assert result.exit_code == 0, result.output
    assert ("rows.csv, row 2: has 7 cells, fewer than the 10 columns of the header"
            in result.stderr)
    assert "quiz-demo: class ID 1 is on sheets 1, 2" in result.stderr
    scores = (Path("results") / "scores.csv").read_text().splitlines()
    assert scores[3].endswith(",no answers") and not scores[1].endswith("no answers")

    keys = keys_with_map(tmp_path / "mapped")
    wide = write_csv(tmp_path / "wide.csv", [
        typed_header(5), ["Ana", "123", "quiz-demo", "A", "AB12", *FULL]])
    result = runner.invoke(cli, ["score", "--answers", wide.name, "--keys", str(keys),
                                 "--out", "results"])
    assert result.exit_code == 2
    assert ('wide.csv, row 2, column "class_id": "123" has 3 digits, but the class ID boxes '
            "of quiz-demo version A have 2") in result.stderr


def test_results_are_refused_in_or_inside_the_keys_folder(demo_keys: Path,
                                                          tmp_path: Path) -> None:
    import shutil

    keys = tmp_path / "output"
    shutil.copytree(demo_keys, keys)
    (keys / "manifest.json").write_text('{"generator": "osteo-print", "files": []}')
    typed = write_csv(tmp_path / "typed.csv", [
        typed_header(5), ["Ana", "1", "quiz-demo", "A", "AB12", *FULL]])
    for out in ("output", "output/results"):
        result = CliRunner().invoke(cli, ["score", "--answers", typed.name, "--keys",
                                          "output", "--out", out])
        assert result.exit_code == 2, out
        assert "cannot go into the folder of the printed quizzes" in result.stderr
        assert not (tmp_path / out / "scores.csv").exists()


def test_small_messages_say_what_to_do(demo_keys: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    typed = write_csv(tmp_path / "typed.csv", [
        typed_header(5), ["Ana", "1", "quiz-demo", "A", "AB12", "B\x00", *FULL[1:]]])
    result = runner.invoke(cli, ["score", "--answers", typed.name, "--keys", str(demo_keys),
                                 "--out", "results"])
    assert "an invisible control character (NUL) is not a letter" in result.stderr

    Path("afile").write_text("x")
    result = runner.invoke(cli, ["score", "--answers", typed.name, "--keys", "afile",
                                 "--out", "results"])
    assert "afile: is a file, not a folder" in result.stderr

    broken = tmp_path / "broken"
    write_key(broken, demo_key())
    (broken / "quiz-demo_general_en_letter_A.map.json").write_text("{")
    Path("scan.pdf").write_bytes(b"%PDF-1.4")
    result = runner.invoke(cli, ["score", "scan.pdf", "--keys", "broken", "--out", "results"])
    assert result.exit_code == 2
    assert "Error: A layout map cannot be used; build the quizzes again" in result.stderr
    assert "some layout maps are broken" not in result.stderr

    sheets = read_typed([write_csv(tmp_path / "t.csv", [
        typed_header(5), ["Ana", "1", "quiz-demo", "A", "AB12", "", "", "", "", ""]])],
        load_keys(demo_keys))
    review = write_csv(tmp_path / "review.csv", [
        ["sheet", "question", "read", "reason", "decision"], ["t.csv:2", "1", "", "", "ABC"]])
    with pytest.raises(ScoreError) as caught:
        apply_decisions(sheets, read_decisions(review))
    message = str(caught.value.problems[0])
    assert 'write "-" as its decision' in message and "leave its cell empty" not in message


def test_names_pair_with_accents_ignored(demo_keys: Path, tmp_path: Path) -> None:
    write_key(tmp_path / "k", demo_key(quiz="quiz-pre", code="PRE1", sheet_hash=None))
    write_key(tmp_path / "k", demo_key(quiz="quiz-post", code="POS1", sheet_hash=None))
    sheets = read_typed([write_csv(tmp_path / "t.csv", [
        typed_header(5), ["José Núñez", "", "pre", "A", "PRE1", *HALF],
        ["jose  NUNEZ", "", "post", "A", "POS1", *FULL]])], load_keys(tmp_path / "k"))
    pairing = pair_sheets(mark_sheets(sheets))
    assert len(pairing.pairs) == 1 and pairing.pairs[0].by == "name"
