"""The short reference a person reads out for a report (``NS-26-7K3Q-F2M9``): made on the
laptop from the report's id, so laptops offline never hand out the same one."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest

from icv_app.domain.custody.report_reference import id_code, report_reference

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SHAPE = re.compile(rf"NS-26-[{CROCKFORD}]{{4}}-[{CROCKFORD}]{{4}}")
DAY = dt.date(2026, 3, 14)


def test_the_same_report_always_has_the_same_reference():
    rid = str(uuid.uuid4())
    assert report_reference(rid, DAY, "NS") == report_reference(rid, DAY, "NS")
    # However the id is written.
    assert report_reference(rid.upper(), DAY, "NS") == report_reference(rid, DAY, "NS")


def test_the_reference_is_the_prefix_the_two_digit_year_and_two_groups_of_four():
    ref = report_reference(str(uuid.uuid4()), DAY, "NS")
    assert SHAPE.fullmatch(ref), ref
    assert report_reference(str(uuid.uuid4()), dt.date(2031, 1, 2), "ICV").startswith("ICV-31-")
    assert report_reference(str(uuid.uuid4()), dt.date(2000, 1, 2), "NS").startswith("NS-00-")
    assert report_reference(str(uuid.uuid4()), None, "NS").startswith("NS-00-")


def test_the_code_is_the_first_forty_bits_of_the_id_in_crockfords_base_32():
    assert id_code("00000000-0000-4000-8000-000000000000") == "00000000"
    assert id_code("ffffffff-ff00-4000-8000-000000000000") == "ZZZZZZZZ"
    assert id_code("00000000-0100-4000-8000-000000000000") == "00000001"
    # 31 in the last five bits and 10 in the five before: Z then A.
    assert id_code(str(uuid.UUID(int=(10 << 5 | 31) << 88))) == "000000AZ"
    # Bits after the first forty do not change the code.
    assert id_code("12345678-9a00-4000-8000-000000000000") == id_code(
        "12345678-9aff-4fff-bfff-ffffffffffff")


def test_only_characters_that_cannot_be_misread_are_used():
    codes = "".join(id_code(str(uuid.uuid4())) for _ in range(2000))
    assert set(codes) <= set(CROCKFORD)
    assert not set(codes) & set("ILOU")
    assert len(set(codes)) == 32  # all of them do get used


def test_different_reports_have_different_references():
    ids = [str(uuid.uuid4()) for _ in range(2000)]
    assert len({report_reference(i, DAY, "NS") for i in ids}) == len(ids)


@pytest.mark.parametrize(("a", "b"), [("visit-1", "visit-2"), ("abcdefgh", "abcdefgi"), ("", "x")])
def test_ids_that_are_not_uuids_still_give_different_references(a, b):
    assert id_code(a) != id_code(b)
    assert set(id_code(a)) <= set(CROCKFORD) and len(id_code(a)) == 8
