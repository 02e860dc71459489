"""Whatever a visitor types into a field comes back whole or is refused out loud.

Each property puts one generated value into one field of an otherwise valid report, at
the service level the form uses (no widgets): the value either round-trips (saved,
reloaded equal to what was typed, and printed in the PDF where its field is) or it is
reported as a problem for that field, which blocks submission. A value silently changed,
dropped from the printout or lost on the way to the disk fails.

What "printed" means for text: the PDF's extracted text holds the value at its field
(after its label), compared without whitespace (line breaks, wrapping) and without
invisible format characters (soft hyphens, joiners). A character the report's font
cannot draw (an emoji, CJK), or cannot lay out faithfully (right-to-left letters,
characters beyond U+FFFF, control characters), must print as its code point, "[U+1F600]",
never as nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import unicodedata
from collections.abc import Callable

import pypdf
import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from icv_app.domain.custody.custody_number import check_custody_number
from icv_app.domain.custody.parsing import parse_time, time_problem
from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.custody.visit import (
    ConditionCheck,
    ConditionItem,
    ConditionState,
    Counts,
    Detainee,
    IssueCategory,
    IssueRaised,
    VisitReport,
)
from icv_app.reports.custody.visit_pdf import render_visit_pdf
from icv_app.reports.styles import Fonts, default_fonts
from icv_app.services.custody.visits import SubmitRefused, VisitService, submit_problems
from icv_app.store.local_store import LocalStore

NOW = dt.datetime(2026, 3, 11, 12, 0, tzinfo=dt.UTC)  # the day after the visit
VISITORS = ["v-003", "v-004"]


def examples(n: int) -> settings:
    """A few examples each, so the file runs in seconds; one store for all of a test's
    examples (each makes a report of its own), hence the health check left out."""
    return settings(max_examples=n, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


# Text people type, and text that has broken reports before: markup, entities, line
# breaks of every kind, scripts the font may not have, invisible characters.
MARKUP = "<>&;/\"'=#[]{}()b font para br \n\t\r"
TRICKY = [
    "Said <b>I want & need</b> my inhaler </para>",
    "<font size=40>big</font> &amp; &lt; &#169;",
    "line one\r\nline two\rline three\u2028four\u2029five\x85six",
    "Wants a Polish interpreter: \u0141\u00f3d\u017a, cz\u0119\u015b\u0107",
    "Smiled \U0001F600, asked for \u4e2d\u6587 papers",
    "\u0645\u0631\u062d\u0628\u0627 and \u05e9\u05dc\u05d5\u05dd",
    "soft\u00adhyphen, zero\u200bwidth, joiner\u200dhere, nbsp\u00a0here",
    "bell\x07 null\x00 escape\x1b delete\x7f",
    "   padded   ",
    "\u3000ideographic space\u3000",
    "e\u0301 combining, \U0001D400 maths",
]


def tricky_examples(test: Callable[..., None]) -> Callable[..., None]:
    """Every tricky text, in a field every time, whatever else is generated."""
    for n, text in enumerate(TRICKY):
        test = example(path=sorted(FREE_TEXT)[n % len(FREE_TEXT)], typed=text)(test)
    return test


TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=MARKUP, max_size=30),
    st.sampled_from(TRICKY),
)


@pytest.fixture
def service(store: LocalStore, reference: ReferenceData) -> VisitService:
    return VisitService(store, reference, clock=lambda: NOW)


def valid_report(service: VisitService) -> VisitReport:
    """A report with nothing to fix, ready to submit."""
    report = service.blank_visit("suite-canal-street", tuple(VISITORS),
                                 now=dt.datetime(2026, 3, 10, 14, 5))
    h = report.header
    h.admitted_time, h.departure_time = dt.time(14, 25), dt.time(15, 47)
    h.delay_minutes = 20
    h.delay_reason = "Disturbance in the cell corridor"
    h.delay_authorised_by = "Insp. 4471"
    h.officer_in_charge = "PS 2231"
    report.counts = Counts(in_custody=4, male=3, female=1, offered=2, accepted=1, declined=1,
                           not_offered=2, contact_cell=1)
    report.counts.not_offered_reasons = {}
    report.counts.not_offered = 0
    report.counts.observed = 0
    report.detainees = [Detainee(
        custody_number="01NS/0421/26", consent_to_talk=True, consent_record_check=True,
        raised="Asked for a blanket.", action_taken="Sergeant brought one.",
        record_checked=True, record_matches=True, record_note="Blanket logged at 14:40.",
    )]
    report.conditions = {item: ConditionCheck(ConditionState.SATISFACTORY)
                         for item in ConditionItem}
    report.conditions[ConditionItem.HEATING] = ConditionCheck(
        ConditionState.NOT_SATISFACTORY, "Cells 4-7 cold.")
    report.conditions[ConditionItem.KITCHEN] = ConditionCheck(
        ConditionState.SATISFACTORY, "Microwave replaced.")
    report.issues = [IssueRaised(
        category=IssueCategory.CONDITIONS, text="No blankets in the store.",
        raised_with="PS 2231", response="Ordered today.", resolved=True,
    )]
    return report


def test_the_base_report_is_valid(service: VisitService) -> None:
    report = valid_report(service)
    assert submit_problems(report, VISITORS, service.context()) == []


# --- what a printed value looks like -------------------------------------------------------


def _glyphs(fonts: Fonts) -> frozenset[int]:
    from reportlab.pdfbase import pdfmetrics

    faces = [pdfmetrics.getFont(name) for name in (fonts.regular, fonts.bold)]
    return frozenset.intersection(*(frozenset(f.face.charToGlyph) for f in faces))


def printable(char: str, glyphs: frozenset[int]) -> bool:
    """Whether the report can print ``char`` as itself with the shipped Unicode font."""
    if char in "\t\n\r":
        return True
    return (ord(char) <= 0xFFFF and unicodedata.category(char) != "Cc"
            and unicodedata.bidirectional(char) not in ("R", "AL")
            and ord(char) in glyphs)


def as_printed(text: str, glyphs: frozenset[int]) -> str:
    """``text`` as the PDF shows it: characters it cannot print as their code points."""
    out = []
    for ok, run in itertools.groupby(text, lambda c: printable(c, glyphs)):
        chars = "".join(run)
        out.append(chars if ok else "[" + " ".join(f"U+{ord(c):04X}" for c in chars) + "]")
    return "".join(out)


def squeeze(text: str) -> str:
    """Text without whitespace, invisible format characters or hyphens: what survives
    wrapping and extraction unchanged (a line broken at a soft hyphen shows a hyphen
    there, as it should)."""
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) != "Cf"
                   and c not in "-\u2010")


def pdf_text(report: VisitReport, reference: ReferenceData) -> str:
    reader = pypdf.PdfReader(io.BytesIO(render_visit_pdf(report, [], reference)))
    return squeeze("".join(page.extract_text() for page in reader.pages))


def save_and_reload(service: VisitService, report: VisitReport) -> VisitReport:
    service.autosave(report).result()
    return service.load(report.id)


# --- free text -----------------------------------------------------------------------------

Getter = Callable[[VisitReport], str]
Setter = Callable[[VisitReport, str], None]


def _header(name: str) -> tuple[Getter, Setter]:
    return (lambda r: getattr(r.header, name), lambda r, v: setattr(r.header, name, v))


def _detainee(name: str) -> tuple[Getter, Setter]:
    return (lambda r: getattr(r.detainees[0], name),
            lambda r, v: setattr(r.detainees[0], name, v))


def _issue(name: str) -> tuple[Getter, Setter]:
    return (lambda r: getattr(r.issues[0], name), lambda r, v: setattr(r.issues[0], name, v))


def _note(item: ConditionItem) -> tuple[Getter, Setter]:
    return (lambda r: r.conditions[item].note,
            lambda r, v: setattr(r.conditions[item], "note", v))


# Each free-text field, and what the PDF prints just before its value (its label, or the
# words that lead into it), whitespace removed.
FREE_TEXT: dict[str, tuple[tuple[Getter, Setter], str]] = {
    "header.panel": (_header("panel"), "Panel"),
    "header.delay_reason": (_header("delay_reason"), "Reason:"),
    "header.delay_authorised_by": (_header("delay_authorised_by"), "authorisedby"),
    "header.outcome_note": (_header("outcome_note"), "Completed:"),
    "header.officer_in_charge": (_header("officer_in_charge"), "Officerincharge"),
    "header.tact_access_denied_by": (_header("tact_access_denied_by"),
                                     "Accesstorecordingsdeniedby"),
    "detainees[0].raised": (_detainee("raised"), "Whattheyraised"),
    "detainees[0].action_taken": (_detainee("action_taken"), "Actiontaken"),
    "detainees[0].record_note": (_detainee("record_note"), "Matcheswhatthedetaineesaid:Yes"),
    "conditions.heating.note": (_note(ConditionItem.HEATING), "Notsatisfactory"),
    "conditions.kitchen.note": (_note(ConditionItem.KITCHEN), "KitchenSatisfactory"),
    "issues[0].text": (_issue("text"), "Issueraised"),
    "issues[0].raised_with": (_issue("raised_with"), "Raisedwith"),
    "issues[0].response": (_issue("response"), "Responsegiven"),
}


@examples(60)
@given(path=st.sampled_from(sorted(FREE_TEXT)), typed=TEXT)
@tricky_examples
def test_free_text_is_saved_and_printed_whole_or_refused(
    service: VisitService, reference: ReferenceData, path: str, typed: str
) -> None:
    (get, put), label = FREE_TEXT[path]
    report = valid_report(service)
    put(report, typed)

    reloaded = save_and_reload(service, report)

    assert get(reloaded) == typed
    problems = {p.field for p in submit_problems(reloaded, VISITORS, service.context())}
    shown = squeeze(as_printed(typed.strip(), _glyphs(default_fonts())))
    if not shown:
        # Nothing visible to print (blank, or only invisible characters): the report
        # prints its placeholder, or asks for the field if it is needed.
        return
    assert label + shown in pdf_text(reloaded, reference), (
        f"{path}: {typed!r} is not printed whole" + (f" (problems: {problems})"
                                                    if problems else ""))


# --- custody numbers -----------------------------------------------------------------------

CUSTODY_NUMBER = st.one_of(
    st.text(max_size=20),
    st.from_regex(r"\s*\d{2}\s?[a-zA-Z]{2,4}\s*/\s*\d{1,6}\s*/\s*\d{2}\s*", fullmatch=True),
    st.sampled_from(["01NS/0421/26", "01ns / 421/26", "J Smith", "DOB 12/03/1990",
                     "12 High Street", "01NS/0421/26 <b>", "01NS/0421/2\u0666"]),
)


@examples(40)
@given(typed=CUSTODY_NUMBER)
def test_a_custody_number_is_stored_and_printed_or_refused(
    service: VisitService, reference: ReferenceData, typed: str
) -> None:
    check = check_custody_number(typed, reference.custody_number_pattern)
    report = valid_report(service)
    path = "detainees[0].custody_number"

    if check.value is None:
        # Refused: the form holds the text beside the message and never stores it; the
        # report with it cannot be submitted.
        assert check.message
        report.detainees[0].custody_number = typed
        with pytest.raises(SubmitRefused) as refused:
            service.submit(report, VISITORS)
        assert path in {p.field for p in refused.value.problems}
        return

    report.detainees[0].custody_number = check.value
    reloaded = save_and_reload(service, report)

    assert reloaded.detainees[0].custody_number == check.value
    if check.value:
        shown = squeeze(as_printed(check.value, _glyphs(default_fonts())))
        assert "custodyrecord" + shown in pdf_text(reloaded, reference)
    else:
        # Blank is stored as blank; a detainee needs a number to submit.
        assert path in {p.field for p in submit_problems(reloaded, VISITORS,
                                                         service.context())}


# --- times ---------------------------------------------------------------------------------

TIME_TEXT = st.one_of(
    st.text(max_size=8),
    st.from_regex(r"\s*\d{1,2}[:.]?\d{2}\s*", fullmatch=True),
    st.builds(lambda h, m, sep: f"{h:02d}{sep}{m:02d}", st.integers(0, 30),
              st.integers(0, 70), st.sampled_from([":", ".", ""])),
)
# Each time field, and what the PDF prints before it.
TIMES = {
    "header.arrival_time": "Arrived",
    "header.admitted_time": "admittedtothecustodyarea",
    "header.departure_time": "Departed",
}


@examples(50)
@given(path=st.sampled_from(sorted(TIMES)), typed=TIME_TEXT)
def test_a_time_is_stored_and_printed_with_its_zone_or_refused(
    service: VisitService, reference: ReferenceData, path: str, typed: str
) -> None:
    name = path.removeprefix("header.")
    report = valid_report(service)
    value = parse_time(typed)

    if value is None and typed.strip():
        # Not a time: the form holds the text with this message; nothing is stored.
        assert time_problem(typed)
        return

    setattr(report.header, name, value)
    reloaded = save_and_reload(service, report)

    assert getattr(reloaded.header, name) == value
    text = pdf_text(reloaded, reference)
    if value is None:
        assert TIMES[path] + "Notrecorded" in text
        if name == "arrival_time":
            assert path in {p.field for p in submit_problems(reloaded, VISITORS,
                                                             service.context())}
    else:
        # 10 March: Greenwich Mean Time.
        assert f"{TIMES[path]}{value:%H:%M}GMT" in text


# --- counts --------------------------------------------------------------------------------

COUNTS = ["in_custody", "juveniles", "male", "female", "offered", "accepted", "declined",
          "observed", "not_offered", "contact_cell", "contact_hatch",
          "contact_interview_room"]
PLACES = {"contact_cell": "the cell", "contact_hatch": "the hatch",
          "contact_interview_room": "an interview room"}


def figures_text(counts: Counts) -> list[str]:
    """The two strips of figures as extracted: the numbers, then their labels."""
    c = counts
    return [
        f"{c.in_custody}{c.juveniles}{c.male}{c.female}InCustodyJuvenilesMaleFemale".lower(),
        f"{c.offered}{c.accepted}{c.declined}{c.observed}{c.not_offered}"
        "offeredavisitacceptedandspokentodeclinedobservedonlynotoffered",
    ]


@examples(40)
@given(name=st.sampled_from([*COUNTS, "delay_minutes"]), n=st.integers(-3, 999))
def test_a_count_is_stored_and_printed_or_refused(
    service: VisitService, reference: ReferenceData, name: str, n: int
) -> None:
    report = valid_report(service)
    path = f"header.{name}" if name == "delay_minutes" else f"counts.{name}"
    holder = report.header if name == "delay_minutes" else report.counts
    setattr(holder, name, n)

    reloaded = save_and_reload(service, report)

    stored = reloaded.header if name == "delay_minutes" else reloaded.counts
    assert getattr(stored, name) == n
    problems = submit_problems(reloaded, VISITORS, service.context())
    if n < 0:
        assert path in {f for p in problems for f in p.fields}
        return
    text = pdf_text(reloaded, reference)
    if name == "delay_minutes":
        assert f"Delay{n}minute" in text
    elif name in PLACES:
        where = squeeze(PLACES[name])
        # A place no one was met in is left out, never printed as "0".
        assert (f"{where}{n}" in text.lower()) == (n > 0)
    else:
        assert any(strip in text.lower() for strip in figures_text(stored))


# --- amendments ----------------------------------------------------------------------------


@examples(15)
@given(reason=TEXT, text=TEXT, corrected=TEXT)
def test_an_amendment_is_stored_and_printed_whole_or_refused(
    service: VisitService, reference: ReferenceData, reason: str, text: str, corrected: str
) -> None:
    report = valid_report(service)
    service.autosave(report).result()
    service.submit(report, VISITORS).result()
    path = "detainees[0].raised"

    try:
        service.add_amendment(report.id, reason, text, "v-003", path, corrected).result()
    except ValueError as refused:
        # Refused with a message that says why: only when something is missing.
        assert str(refused)
        assert not (reason.strip() and text.strip() and corrected.strip())
        assert service.amendments(report.id) == []
        return

    [stored] = service.amendments(report.id)
    assert (stored.reason, stored.text, stored.new_value) == (reason, text, corrected.strip())
    reader = pypdf.PdfReader(io.BytesIO(render_visit_pdf(service.load(report.id), [stored],
                                                         reference)))
    printed = squeeze("".join(page.extract_text() for page in reader.pages))
    glyphs = _glyphs(default_fonts())
    for label, value in (("Reason", reason), ("Correction", text)):
        shown = squeeze(as_printed(value.strip(), glyphs))
        if value.strip() and not shown:  # printed, but squeezing takes it all ("-")
            assert label in printed and label + "Nonerecorded" not in printed
        else:
            assert label + (shown or "Nonerecorded") in printed
    shown = squeeze(as_printed(corrected.strip(), glyphs))
    if shown:
        # In place (where the detainee's words are) and in the list of amendments.
        assert "Whattheyraised" + shown in printed
        assert "to\u201c" + shown + "\u201d" in printed
