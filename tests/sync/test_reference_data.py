"""The scheme's suites, panels and visitors are records on the central store: imported
there, edited by a coordinator in the app, and pulled by every laptop, where they change
what the visit form offers. On SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses

from icv_app.domain.custody.reference import ReferenceData, SuiteRecord
from icv_app.server import admin
from icv_app.services.custody.reference import ReferenceService
from tests.sync.conftest import LaptopFactory, Scheme
from tests.sync.support import Laptop, server_records


def references(laptop: Laptop, base: ReferenceData) -> ReferenceService:
    return ReferenceService(laptop.store, base)


def test_a_suite_closed_by_the_coordinator_is_no_longer_offered_on_a_volunteers_laptop(
    scheme: Scheme, laptops: LaptopFactory, reference: ReferenceData
) -> None:
    scheme.add_user("coord.one", "coordinator")
    scheme.add_user("vol.alpha")
    # A scheme whose lists differ from what the app ships: the laptops must show these.
    scheme_lists = dataclasses.replace(
        reference,
        suites=(*reference.suites[:2], dataclasses.replace(
            reference.suites[0], id="suite-harbour-view", name="Harbour View")),
    )
    admin.import_reference(scheme.engine, "coord.one", scheme_lists)

    coordinator, volunteer = laptops("coord.one"), laptops("vol.alpha")
    before = references(volunteer, reference).current()
    assert "suite-harbour-view" not in {s.id for s in before.suites}  # shipped lists only
    assert volunteer.sync().check_ok
    pulled = references(volunteer, reference).current()
    assert {s.id for s in pulled.suites} == {s.id for s in scheme_lists.suites}
    assert "suite-harbour-view" in {s.id for s in pulled.open_suites()}

    # The coordinator closes Harbour View in the app; the volunteer's next sync brings it.
    assert coordinator.sync().check_ok
    edits = references(coordinator, reference)
    suites, _panels, _visitors = edits.records()
    harbour = next(s for s in suites if s.code == "suite-harbour-view")
    edits.save(dataclasses.replace(harbour, open=False)).result()
    assert coordinator.sync().accepted == 1

    assert volunteer.sync().check_ok
    now = references(volunteer, reference).current()
    assert "suite-harbour-view" not in {s.id for s in now.open_suites()}
    # A report that already names it still shows it.
    assert "suite-harbour-view" in {s.id for s in now.open_suites(keep="suite-harbour-view")}


def test_a_volunteer_cannot_change_reference_data(
    scheme: Scheme, laptops: LaptopFactory, reference: ReferenceData
) -> None:
    scheme.add_user("vol.alpha")
    volunteer = laptops("vol.alpha")
    rogue = SuiteRecord(code="suite-rogue", name="Rogue suite")
    references(volunteer, reference).save(rogue).result()
    summary = volunteer.sync()
    assert summary.rejected == 1
    assert ("suite", rogue.id) not in server_records(scheme.engine)


def test_a_coordinator_cannot_push_a_suite_without_a_name(
    scheme: Scheme, laptops: LaptopFactory, reference: ReferenceData
) -> None:
    scheme.add_user("coord.one", "coordinator")
    coordinator = laptops("coord.one")
    references(coordinator, reference).save(SuiteRecord(code="suite-x", name=" ")).result()
    assert coordinator.sync().rejected == 1
