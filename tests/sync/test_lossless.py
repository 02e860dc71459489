"""What a newer version of the app adds to a report survives an older laptop's edit and
push, through the real server (issue 6, defect 2: bodies were re-serialised through this
version's dataclasses and the extra fields were lost on the laptop and on the server)."""

from __future__ import annotations

import json

from tests.sync.conftest import LaptopFactory, Scheme
from tests.sync.support import server_records


def test_fields_a_newer_app_added_survive_an_older_laptops_edit_and_push(
    scheme: Scheme, laptops: LaptopFactory
) -> None:
    scheme.add_user("vol.alpha")
    newer, older = laptops("vol.alpha"), laptops("vol.alpha", name="older")
    draft = newer.new_draft()
    # The newer app writes fields this version does not know (into the stored body, as
    # that version's own dataclasses would).
    def add_future_fields(db):  # type: ignore[no-untyped-def]
        body = json.loads(db.execute("SELECT body FROM visits WHERE id = ?",
                                     [draft.id]).fetchone()[0])
        body["header"]["weather"] = {"kind": "storm", "wind_kmh": 90}
        body["detainees"][0]["wristband"] = "blue"
        body["safeguarding"] = [{"id": "s1", "referred_to": "MASH"}]
        db.execute("UPDATE visits SET body = ?, rev = rev + 1 WHERE id = ?",
                   [json.dumps(body), draft.id])

    newer.write(add_future_fields)
    assert newer.sync().accepted == 1

    assert older.sync().pulled >= 1
    older.edit(draft.id, "PS 3141")  # through this version's dataclasses and the merge
    assert older.sync().accepted == 1

    on_server = server_records(scheme.engine)[("visit", draft.id)].body
    assert on_server is not None
    assert on_server["header"]["officer_in_charge"] == "PS 3141"
    assert on_server["header"]["weather"] == {"kind": "storm", "wind_kmh": 90}
    assert on_server["detainees"][0]["wristband"] == "blue"
    assert on_server["safeguarding"] == [{"id": "s1", "referred_to": "MASH"}]
    newer.sync()
    assert newer.load(draft.id).header.officer_in_charge == "PS 3141"
    assert newer.sync().check_ok and older.sync().check_ok


def test_a_known_field_with_a_value_of_the_wrong_type_is_refused_not_read_loosely(
    scheme: Scheme, laptops: LaptopFactory
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha")
    draft = laptop.new_draft()

    def tact_as_text(db):  # type: ignore[no-untyped-def]
        body = json.loads(db.execute("SELECT body FROM visits WHERE id = ?",
                                     [draft.id]).fetchone()[0])
        body["header"]["tact"] = "no"
        body["detainees"] = {"0": body["detainees"]}
        db.execute("UPDATE visits SET body = ? WHERE id = ?", [json.dumps(body), draft.id])

    laptop.write(tact_as_text)
    summary = laptop.sync()
    assert summary.rejected == 1
    [refused] = laptop.rejected()
    assert "header.tact" in refused.reason and "detainees" in refused.reason
    assert ("visit", draft.id) not in server_records(scheme.engine)
