"""The visit report PDF: what a coordinator or custody inspector reads."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

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
    VisitorOnVisit,
    VisitorRole,
    VisitReport,
    VisitStatus,
    WelfareCheck,
)
from icv_app.paths import Paths
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
