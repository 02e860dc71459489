"""The visit report PDF: what a coordinator or custody inspector reads."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import NamedTuple

import pypdf
import pytest

from icv_app import cli
from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.custody.visit import (
    Amendment,
    ConditionCheck,
    ConditionItem,
    ConditionState,
    Counts,
    Detainee,
    Entitlement,
    EntitlementAnswer,
    Gender,
    Header,
    IssueCategory,
    IssueRaised,
    NotOfferedReason,
    VisitMode,
    VisitorOnVisit,
    VisitorRole,
    VisitReport,
    VisitStatus,
    WelfareCheck,
)
from icv_app.paths import Paths
from icv_app.reports.custody.visit_outline import visit_reference
from icv_app.reports.custody.visit_pdf import render_visit_pdf, write_visit_pdf
from icv_app.reports.styles import HELVETICA, register_unicode_fonts
from icv_app.store.custody.visits import add_amendment, save_visit, submit_visit
from icv_app.store.local_store import LocalStore

SUITE_ID = "suite-canal-street"


def custody_number(i: int) -> str:
    return f"01NS/{421 + i:04d}/26"


def make_detainee(i: int) -> Detainee:
    return Detainee(
        custody_number=custody_number(i),
        gender=Gender.FEMALE if i % 2 else Gender.MALE,
        juvenile=i == 1,
        mental_health=i % 3 == 0,
        needs_appropriate_adult=i == 1,
        consent_to_talk=True,
        consent_record_check=i % 2 == 0,
        entitlements={
            Entitlement.SOMEONE_INFORMED: EntitlementAnswer(told=True, wanted=True, received=True),
            Entitlement.LEGAL_ADVICE: EntitlementAnswer(told=True, wanted=True, received=False),
            Entitlement.CODES_OF_PRACTICE: EntitlementAnswer(told=True, wanted=False),
        },
        checks={
            WelfareCheck.FOOD_OFFERED: True,
            WelfareCheck.DRINK_OFFERED: True,
            WelfareCheck.BLANKET_MATTRESS: i % 2 == 0,
            WelfareCheck.EXERCISE: False,
            WelfareCheck.HEALTHCARE_WANTED: None,
        },
        raised=f"Detainee {i + 1} says the solicitor has not called back after four hours.",
        action_taken="Raised with the custody sergeant, who rang the duty solicitor scheme.",
        record_checked=i % 2 == 0,
        record_matches=True if i % 2 == 0 else None,
        record_note="Call to the solicitor logged at 13:10." if i % 2 == 0 else "",
    )


def make_report(
    reference: ReferenceData,
    detainees: int = 2,
    issues: int = 1,
    submitted: bool = True,
) -> VisitReport:
    visitors = [v.id for v in reference.visitors[:2]]
    report = VisitReport(
        header=Header(
            suite_id=SUITE_ID,
            panel="City panel",
            visit_date=dt.date(2026, 3, 10),
            arrival_time=dt.time(14, 5),
            admitted_time=dt.time(14, 32),
            departure_time=dt.time(15, 47),
            delay_minutes=27,
            delay_reason="Disturbance in the cell corridor",
            delay_authorised_by="Insp. 4471 Rowe",
            visitors=[
                VisitorOnVisit(visitors[0]),
                VisitorOnVisit(visitors[1], VisitorRole.TRAINEE),
            ],
            officer_in_charge="PS 2231",
        ),
        counts=Counts(
            in_custody=detainees + 3, juveniles=1, male=detainees, female=3,
            offered=detainees + 1, accepted=detainees, declined=1, observed=1,
            not_offered=1, not_offered_reasons={NotOfferedReason.IN_INTERVIEW: 1},
            contact_cell=detainees, contact_hatch=1,
        ),
        detainees=[make_detainee(i) for i in range(detainees)],
    )
    for item in ConditionItem:
        report.conditions[item] = ConditionCheck(ConditionState.SATISFACTORY)
    report.conditions[ConditionItem.HEATING] = ConditionCheck(
        ConditionState.NOT_SATISFACTORY, "Cells 4-7 cold; heating engineer booked for Friday."
    )
    report.conditions[ConditionItem.EXERCISE_YARD] = ConditionCheck()
    for n in range(issues):
        report.issues.append(
            IssueRaised(
                category=IssueCategory.CONDITIONS,
                text=f"Issue {n + 1}: no blankets left in the store for cells 4-7.",
                raised_with="PS 2231",
                response=f"Response {n + 1}: blankets ordered from the central store today.",
                resolved=n % 2 == 0,
                detainee_id=report.detainees[0].id if report.detainees else None,
            )
        )
    if submitted:
        report.status = VisitStatus.SUBMITTED
        report.submitted_at = dt.datetime(2026, 3, 10, 16, 2, tzinfo=dt.UTC)
        report.confirmed_by = visitors
    return report


def make_amendment(report: VisitReport, reference: ReferenceData) -> Amendment:
    return Amendment(
        visit_id=report.id,
        reason="Departure time typed wrongly",
        text="We left at 15:47, not 15:17.",
        author_id=reference.visitors[0].id,
        created_at=dt.datetime(2026, 3, 11, 9, 15, tzinfo=dt.UTC),
    )


def pdf_text(data: bytes) -> tuple[str, int]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return text, len(reader.pages)


def flat(text: str) -> str:
    """Extracted text with line breaks and runs of spaces made single spaces."""
    return re.sub(r"\s+", " ", text)


def test_report_shows_the_visit_detainees_issues_and_amendments(
    reference: ReferenceData,
) -> None:
    report = make_report(reference)
    amendment = make_amendment(report, reference)

    text, _ = pdf_text(render_visit_pdf(report, [amendment], reference))
    text = flat(text)

    assert reference.suite_name(SUITE_ID) in text
    assert "14:05" in text and "15:47" in text
    for d in report.detainees:
        assert d.custody_number in text
    issue = report.issues[0]
    assert issue.text in text
    assert issue.response in text
    assert "Cells 4-7 cold" in text
    assert amendment.reason in text
    assert report.id in text
    assert "Insp. 4471 Rowe" in text


def test_submitted_report_names_who_confirmed_it(reference: ReferenceData) -> None:
    report = make_report(reference)

    text = flat(pdf_text(render_visit_pdf(report, [], reference))[0])

    first, second = (reference.visitor_name(v) for v in report.confirmed_by)
    assert f"confirmed by {first} and {second}" in text
    assert "DRAFT" not in text


def test_draft_is_marked_as_a_draft(reference: ReferenceData) -> None:
    report = make_report(reference, submitted=False)

    text = flat(pdf_text(render_visit_pdf(report, [], reference))[0])

    assert "DRAFT" in text
    assert "Submitted" not in text


def test_every_page_carries_the_marking_and_page_count(reference: ReferenceData) -> None:
    report = make_report(reference, detainees=8, issues=4)

    reader = pypdf.PdfReader(io.BytesIO(render_visit_pdf(report, [], reference)))

    total = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        text = flat(page.extract_text())
        assert f"Page {number} of {total}" in text
        assert "OFFICIAL-SENSITIVE" in text
        assert report.id in text


def test_free_text_is_printed_literally_not_as_markup(reference: ReferenceData) -> None:
    report = make_report(reference)
    report.detainees[0].raised = "Said <b>I want & need</b> my inhaler </para>"
    report.issues[0].text = "Tray 3 < 4 & 5 > 2 <font size=40>"

    text = flat(pdf_text(render_visit_pdf(report, [], reference))[0])

    assert "Said <b>I want & need</b> my inhaler </para>" in text
    assert "Tray 3 < 4 & 5 > 2 <font size=40>" in text


def test_long_report_spans_pages_and_keeps_every_custody_number(
    reference: ReferenceData,
) -> None:
    report = make_report(reference, detainees=12, issues=6)
    report.detainees[3].raised = "Wants to speak to the sergeant about the cell light. " * 120
    amendments = [make_amendment(report, reference) for _ in range(3)]

    text, pages = pdf_text(render_visit_pdf(report, amendments, reference))

    assert pages >= 3
    text = flat(text)
    for d in report.detainees:
        assert d.custody_number in text


def test_tact_fields_appear_only_on_tact_visits(reference: ReferenceData) -> None:
    report = make_report(reference)
    plain = flat(pdf_text(render_visit_pdf(report, [], reference))[0])

    report.header.tact = True
    report.header.tact_copy_sent = dt.date(2026, 3, 12)
    report.header.tact_access_denied_by = "DCI Harrow"
    tact = flat(pdf_text(render_visit_pdf(report, [], reference))[0])

    assert "Independent Reviewer" not in plain
    assert "Independent Reviewer" in tact
    assert "Thu 12 Mar 2026" in tact
    assert "DCI Harrow" in tact


def test_visit_with_nothing_recorded_still_renders(reference: ReferenceData) -> None:
    text = flat(pdf_text(render_visit_pdf(VisitReport(), [], reference))[0])

    assert "No detainees were met" in text
    assert "No conditions were checked" in text
    assert "No issues were raised" in text


def test_unsatisfactory_conditions_come_first(reference: ReferenceData) -> None:
    report = make_report(reference)
    report.conditions[ConditionItem.MAINTENANCE] = ConditionCheck(
        ConditionState.NOT_SATISFACTORY, "Cell 9 door closer broken."
    )

    text = flat(pdf_text(render_visit_pdf(report, [], reference))[0])

    conditions = text[text.index("Conditions of the suite"):]
    assert conditions.index("Not satisfactory (2)") < conditions.index("Satisfactory (16)")
    assert conditions.index("Cell 9 door closer broken.") < conditions.index("Cell cleanliness")


def test_unicode_font_prints_text_helvetica_cannot(reference: ReferenceData) -> None:
    dejavu = Path("/usr/share/fonts/truetype/dejavu")
    fonts = register_unicode_fonts(dejavu)
    if fonts is None:
        pytest.skip("DejaVu fonts are not installed on this machine")
    report = make_report(reference)
    report.detainees[0].raised = "Wants a Polish interpreter: Łódź, część"

    unicode_text = flat(pdf_text(render_visit_pdf(report, [], reference, fonts=fonts))[0])
    helvetica_text = flat(pdf_text(render_visit_pdf(report, [], reference, fonts=HELVETICA))[0])

    assert "Łódź, część" in unicode_text
    assert "Łódź" not in helvetica_text
    # Not dropped either: what Helvetica cannot draw prints as its code points.
    assert "[U+0141]ód[U+017A], cz[U+0119 U+015B U+0107]" in helvetica_text


def test_an_amendment_to_another_report_is_refused(reference: ReferenceData) -> None:
    report = make_report(reference)
    other = make_amendment(make_report(reference), reference)

    with pytest.raises(ValueError, match="not " + report.id):
        render_visit_pdf(report, [other], reference)


def test_writing_to_a_path_leaves_no_partial_file(
    reference: ReferenceData, tmp_path: Path
) -> None:
    out = tmp_path / "visit.pdf"

    write_visit_pdf(make_report(reference), [], reference, out)

    assert out.read_bytes().startswith(b"%PDF")
    assert [p.name for p in tmp_path.iterdir()] == ["visit.pdf"]


def test_cli_writes_a_stored_report_with_its_amendment(
    store: LocalStore,
    paths: Paths,
    reference: ReferenceData,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = make_report(reference, submitted=False)
    report.confirmed_by = [v.visitor_id for v in report.header.visitors]
    amendment = make_amendment(report, reference)
    store.writer.submit(lambda db: save_visit(db, report)).result()
    store.writer.submit(lambda db: submit_visit(db, report)).result()
    store.writer.submit(lambda db: add_amendment(db, amendment)).result()
    store.close()
    out = tmp_path / "report.pdf"

    code = cli.main(["--data-dir", str(paths.data_dir), "pdf", "visit", report.id, "-o", str(out)])

    assert code == 0
    assert str(out) in capsys.readouterr().out
    text = flat(pdf_text(out.read_bytes())[0])
    assert "Submitted" in text
    assert amendment.reason in text
    for d in report.detainees:
        assert d.custody_number in text


def test_cli_refuses_an_unknown_visit_id(
    store: LocalStore, paths: Paths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store.close()
    out = tmp_path / "report.pdf"

    code = cli.main(
        ["--data-dir", str(paths.data_dir), "pdf", "visit", "no-such-id", "-o", str(out)]
    )

    assert code == 2
    assert "No visit with id no-such-id" in capsys.readouterr().err
    assert not out.exists()


# --- what issue 8 asks of the printed report ---------------------------------------------

PAGE_HEIGHT = 841.89
HEADER_LINE = PAGE_HEIGHT - 20 * 72 / 25.4  # the running header is above this
BODY_BOTTOM = 21 * 72 / 25.4  # the footer is below this
BODY_TOP = PAGE_HEIGHT - 25 * 72 / 25.4


class Run(NamedTuple):
    """One piece of text as drawn: where its line starts, its size and what it says."""

    x: float
    y: float
    size: float
    text: str


def page_runs(page: pypdf.PageObject) -> list[Run]:
    runs: list[Run] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: object, size: float) -> None:
        if text.strip():
            runs.append(Run(tm[4] + cm[4], tm[5] + cm[5], size, text.strip()))

    page.extract_text(visitor_text=visit)
    return runs


def pages_of(data: bytes) -> list[pypdf.PageObject]:
    return list(pypdf.PdfReader(io.BytesIO(data)).pages)


def test_short_reference_heads_the_report_and_every_page_with_the_id_smaller(
    reference: ReferenceData,
) -> None:
    report = make_report(reference, detainees=8, issues=4)
    short = visit_reference(report, reference)

    pages = pages_of(render_visit_pdf(report, [], reference))

    assert re.fullmatch(rf"{reference.reference_prefix}-26-[0-9A-Z]{{4}}-[0-9A-Z]{{4}}", short)
    assert len(pages) >= 3
    assert f"Reference {short}" in flat(pages[0].extract_text())
    for page in pages:
        header = [r for r in page_runs(page) if r.y > HEADER_LINE]
        [ref_run] = [r for r in header if r.text == short]
        [id_run] = [r for r in header if r.text == report.id]
        assert id_run.size < ref_run.size
        # Beside it: on the same line, to its left.
        assert id_run.y == ref_run.y and id_run.x < ref_run.x


def test_the_submission_time_is_printed_in_the_schemes_zone_not_utc(
    reference: ReferenceData,
) -> None:
    report = make_report(reference)
    report.header.visit_date = dt.date(2026, 7, 1)
    report.submitted_at = dt.datetime(2026, 7, 1, 15, 0, tzinfo=dt.UTC)

    text = flat(pdf_text(render_visit_pdf(report, [], reference))[0])

    assert "Submitted 1 Jul 2026 16:00 BST" in text
    assert "15:00" not in text and "UTC" not in text


def test_visit_times_name_their_zone_gmt_in_winter_bst_in_summer(
    reference: ReferenceData,
) -> None:
    winter = make_report(reference)
    summer = make_report(reference)
    summer.header.visit_date = dt.date(2026, 7, 1)

    winter_text = flat(pdf_text(render_visit_pdf(winter, [], reference))[0])
    summer_text = flat(pdf_text(render_visit_pdf(summer, [], reference))[0])

    assert "Arrived 14:05 GMT, admitted to the custody area 14:32 GMT" in winter_text
    assert "Departed 15:47 GMT" in winter_text
    assert "Arrived 14:05 BST, admitted to the custody area 14:32 BST" in summer_text
    assert "Departed 15:47 BST" in summer_text


def test_a_departure_after_midnight_says_next_day(reference: ReferenceData) -> None:
    report = make_report(reference)
    report.header.arrival_time = dt.time(23, 10)
    report.header.admitted_time = dt.time(23, 20)
    report.header.delay_minutes = 10
    report.header.departure_time = dt.time(0, 45)
    report.header.departure_next_day = True

    text = flat(pdf_text(render_visit_pdf(report, [], reference))[0])

    assert "Departed 00:45 GMT (next day, Wed 11 Mar)" in text
    assert "1 h 25 min in the custody area" in text


def test_amendments_show_in_place_with_the_original_and_reason_and_are_listed(
    reference: ReferenceData,
) -> None:
    report = make_report(reference)
    report.header.departure_time = dt.time(15, 17)
    times = make_amendment(report, reference)
    times.field_path, times.new_value = "header.departure_time", "15:47"
    raised = Amendment(
        visit_id=report.id, reason="Said more", text="Also asked for a shower.",
        author_id=reference.visitors[1].id,
        created_at=dt.datetime(2026, 3, 12, 10, 0, tzinfo=dt.UTC),
        field_path="detainees[0].raised", new_value="Asked for a shower and a blanket.",
    )

    text = flat(pdf_text(render_visit_pdf(report, [times, raised], reference))[0])

    body, listed = text.split("Amendments after submission (2)")
    assert ("Departed 15:47 GMT \u2014 corrected from 15:17 on 11 Mar 2026: Departure time "
            "typed wrongly (amendment 1)") in body
    assert ("Asked for a shower and a blanket. \u2014 corrected from \u201cDetainee 1 says the "
            "solicitor has not called back after four hours.\u201d on 12 Mar 2026: Said more "
            "(amendment 2)") in body
    assert "Amendment 1 \u2014 11 Mar 2026 09:15 GMT" in listed
    assert "Departed at: from 15:17 to 15:47" in listed
    assert "Amendment 2 \u2014 12 Mar 2026 10:00 GMT" in listed
    assert ("What they raised: from \u201cDetainee 1 says the solicitor has not called back "
            "after four hours.\u201d to \u201cAsked for a shower and a blanket.\u201d") in listed
    assert "Also asked for a shower." in listed


def test_a_short_report_fits_on_one_page(reference: ReferenceData) -> None:
    # Nobody accepted a visit and nothing was raised; every condition was checked.
    report = make_report(reference, detainees=0, issues=0)

    text, pages = pdf_text(render_visit_pdf(report, [], reference))

    assert pages == 1
    assert "No detainees were met" in text and "No issues were raised" in text


def test_sections_flow_on_from_each_other_instead_of_starting_new_pages(
    reference: ReferenceData,
) -> None:
    report = make_report(reference, detainees=2, issues=1)

    pages = [flat(p.extract_text()) for p in pages_of(render_visit_pdf(report, [], reference))]

    first = pages[0]
    assert "Detainees met (2)" in first
    assert f"Detainee 1 \u2014 custody record {custody_number(0)}" in first
    [with_issues] = [p for p in pages if "Issues raised (1)" in p]
    assert "Conditions of the suite" in with_issues


@pytest.mark.parametrize("detainees,issues", [(2, 1), (10, 6)])
def test_no_page_but_the_last_is_left_a_third_empty(
    reference: ReferenceData, detainees: int, issues: int
) -> None:
    report = make_report(reference, detainees=detainees, issues=issues)
    amendments = [make_amendment(report, reference)]

    pages = pages_of(render_visit_pdf(report, amendments, reference))

    third = (BODY_TOP - BODY_BOTTOM) / 3
    for number, page in enumerate(pages[:-1], start=1):
        body = [r.y for r in page_runs(page) if BODY_BOTTOM < r.y < BODY_TOP]
        assert min(body) < BODY_BOTTOM + third, f"page {number} ends a third of a page early"


def test_not_satisfactory_fits_on_one_line_of_the_conditions_table(
    reference: ReferenceData,
) -> None:
    report = make_report(reference)

    runs = [r for p in pages_of(render_visit_pdf(report, [], reference)) for r in page_runs(p)]

    # The state column's text, drawn as one run: on two lines it would be two.
    assert "Not satisfactory" in [r.text for r in runs]
    assert "Not" not in [r.text for r in runs]


def test_where_contact_happened_is_never_a_row_of_zeros(reference: ReferenceData) -> None:
    report = make_report(reference)
    c = report.counts
    c.contact_cell = c.contact_hatch = c.contact_interview_room = 0
    in_person = flat(pdf_text(render_visit_pdf(report, [], reference))[0])
    report.header.mode = VisitMode.TELEPHONE
    remote = flat(pdf_text(render_visit_pdf(report, [], reference))[0])
    c.contact_hatch = 2
    some = flat(pdf_text(render_visit_pdf(report, [], reference))[0])

    assert "Where contact happened Not recorded" in in_person
    assert "Where contact happened" not in remote
    assert "Where contact happened At the hatch 2" in some
    for text in (in_person, remote, some):
        assert not re.search(r"(cell|hatch|room) 0\b", text)


def test_a_delay_reason_is_printed_even_when_the_wait_is_zero(
    reference: ReferenceData,
) -> None:
    report = make_report(reference)
    report.header.delay_minutes = 0
    report.header.delay_reason = "Typed before the wait was known"
    report.header.delay_authorised_by = ""

    text = flat(pdf_text(render_visit_pdf(report, [], reference))[0])

    assert "Delay 0 minutes before admission Reason: Typed before the wait was known" in text


def test_nothing_typed_is_left_out(reference: ReferenceData) -> None:
    report = make_report(reference)
    h = report.header
    typed: dict[str, str] = {}

    def put(path: str, text: str) -> str:
        typed[path] = text
        return text

    # Each in a field the report might be tempted to leave out: TACT fields on a visit
    # not marked TACT, a record note with the record not checked, a note on a condition
    # not checked, an outcome note on a completed visit.
    h.panel = put("header.panel", "Panel \u2116 7 (relief rota)")
    h.delay_reason = put("header.delay_reason", "Cell extraction in progress; wait < 30")
    h.delay_authorised_by = put("header.delay_authorised_by", "Insp. 0901 O'Hara & PS 12")
    h.outcome_note = put("header.outcome_note", "Completed after a fire drill")
    h.officer_in_charge = put("header.officer_in_charge", "PS 2231 \u2014 acting")
    h.tact_access_denied_by = put("header.tact_access_denied_by", "DI 77 (recordings)")
    d = report.detainees[1]
    d.raised = put("detainees[1].raised", "Said:\n\u201cI want my inhaler\u201d")
    d.action_taken = put("detainees[1].action_taken", "Asked the nurse <b>at once</b>")
    d.record_checked = False
    d.record_note = put("detainees[1].record_note", "Record not seen: sergeant busy")
    report.conditions[ConditionItem.EXERCISE_YARD] = ConditionCheck(
        ConditionState.NOT_CHECKED, put("conditions.exercise_yard.note", "Yard locked"))
    report.conditions[ConditionItem.KITCHEN] = ConditionCheck(
        ConditionState.SATISFACTORY, put("conditions.kitchen.note", "Fridge at 4\u00b0C"))
    issue = report.issues[0]
    issue.text = put("issues[0].text", "Blankets: 0 left; 3 needed")
    issue.raised_with = put("issues[0].raised_with", "PS 2231 / Insp. 4471")
    issue.response = put("issues[0].response", "Ordered \u2014 due 17:00")
    amendment = make_amendment(report, reference)
    amendment.reason = put("amendment.reason", "Typo in the \u00bdhour wait")
    amendment.text = put("amendment.text", "Read 15:47 for 15:17 (see notes)")

    text = flat(pdf_text(render_visit_pdf(report, [amendment], reference))[0])

    missing = {path: t for path, t in typed.items() if flat(t) not in text}
    assert not missing
    for d in report.detainees:
        assert d.custody_number in text


def test_characters_the_font_cannot_draw_print_as_code_points(
    reference: ReferenceData,
) -> None:
    report = make_report(reference)
    report.detainees[0].raised = "Smiled \U0001F600 and said \u4e2d\u6587; wrote \u0645\u0631"
    note = "Characters the printed report cannot show"
    plain = flat(pdf_text(render_visit_pdf(make_report(reference), [], reference))[0])

    text = flat(pdf_text(render_visit_pdf(report, [], reference))[0])

    assert ("Smiled [U+1F600] and said [U+4E2D U+6587]; wrote [U+0645 U+0631]") in text
    assert note in text and note not in plain
