"""pain.001 files validate against the ISO 20022 schema; pain.002 reports are read and checked."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from yusuan.payments import iso20022 as iso

DEBTOR = iso.Account(
    "吴江区松陵实验小学", "32050161393600000123", "工商银行吴江支行", "102305000012"
)


def _file(*amounts: int, name: str = "苏州文具有限公司") -> bytes:
    transfers = [
        iso.Transfer(
            end_to_end_id=f"PZ2026000001-{i}",
            amount_fen=fen,
            creditor=iso.Account(name, f"62220200000000{i:02d}", "建设银行吴江支行", ""),
            remittance="购买办公用品",
        )
        for i, fen in enumerate(amounts, start=1)
    ]
    return iso.pain001(
        message_id="YS-20261123-0001",
        created_at=dt.datetime(2026, 11, 23, 10, 30, 15, 123, tzinfo=dt.UTC),
        initiating_party="吴江区财政局国库支付中心",
        blocks=[iso.PaymentBlock("PZ2026000001", dt.date(2026, 11, 23), DEBTOR, transfers)],
    )


def test_pain001_is_valid_against_the_iso_schema() -> None:
    xml = _file(120_000, 5, 99_999_999_99)
    assert iso.schema_errors(xml, "pain.001.001.03") == []
    root = etree.fromstring(xml)
    ns = {"p": iso.PAIN001}
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=ns) == "3"
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=ns) == "100001200.04"
    amounts = [e.text for e in root.iterfind(".//p:InstdAmt", namespaces=ns)]
    assert amounts == ["1200", "0.05", "99999999.99"]
    assert "苏州文具有限公司" in xml.decode()  # UTF-8 names, not transliterated
    assert root.find(".//p:DbtrAgt//p:MmbId", namespaces=ns).text == "102305000012"


def test_the_schema_check_would_catch_a_broken_file() -> None:
    broken = _file(100).replace(b"<PmtMtd>TRF</PmtMtd>", b"<PmtMtd>XXX</PmtMtd>")
    errors = iso.schema_errors(broken, "pain.001.001.03")
    assert errors and "PmtMtd" in errors[0]
    too_long = _file(100, name="名" * 141)
    assert iso.schema_errors(too_long, "pain.001.001.03") == []  # we cut names at 140
    with pytest.raises(ValueError, match="above 0 fen"):
        _file(0)


PAIN002 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03">
 <CstmrPmtStsRpt>
  <GrpHdr><MsgId>ICBC-STS-0001</MsgId><CreDtTm>2026-11-23T16:00:00</CreDtTm></GrpHdr>
  <OrgnlGrpInfAndSts><OrgnlMsgId>YS-20261123-0001</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId></OrgnlGrpInfAndSts>
  <OrgnlPmtInfAndSts>
   <OrgnlPmtInfId>PZ2026000001</OrgnlPmtInfId>
   <TxInfAndSts><StsId>S1</StsId><OrgnlEndToEndId>PZ2026000001-1</OrgnlEndToEndId><TxSts>ACSC</TxSts></TxInfAndSts>
   <TxInfAndSts><StsId>S2</StsId><OrgnlEndToEndId>PZ2026000001-2</OrgnlEndToEndId><TxSts>RJCT</TxSts>
    <StsRsnInf><Rsn><Cd>AC01</Cd></Rsn><AddtlInf>收款账号不存在</AddtlInf></StsRsnInf></TxInfAndSts>
  </OrgnlPmtInfAndSts>
 </CstmrPmtStsRpt>
</Document>"""


def test_pain002_statuses_are_read() -> None:
    entries = iso.read_pain002(PAIN002.encode())
    assert [(e.entry_id, e.end_to_end_id, e.accepted) for e in entries] == [
        ("S1", "PZ2026000001-1", True),
        ("S2", "PZ2026000001-2", False),
    ]
    assert entries[1].reason == "AC01 收款账号不存在"
    assert {e.message_id for e in entries} == {"ICBC-STS-0001"}
    # A transaction without a status is no result: refused, naming it.
    with pytest.raises(ValueError, match="PZ2026000001-1"):
        iso.read_pain002(PAIN002.replace("<TxSts>ACSC</TxSts>", "").encode())
    with pytest.raises(ValueError, match="OrgnlMsgNmId"):  # not a valid report at all
        iso.read_pain002(
            PAIN002.replace("<OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId>", "").encode()
        )


def test_pain002_whole_file_and_block_statuses_are_read() -> None:
    """GrpSts and PmtInfSts with their reasons: what a report says of a whole file or block."""
    report = iso.read_status_report(
        PAIN002.replace(
            "</OrgnlMsgNmId></OrgnlGrpInfAndSts>",
            "</OrgnlMsgNmId><GrpSts>PART</GrpSts>"
            "<StsRsnInf><Rsn><Cd>NARR</Cd></Rsn><AddtlInf>部分受理</AddtlInf></StsRsnInf>"
            "</OrgnlGrpInfAndSts>"
            "<OrgnlPmtInfAndSts><OrgnlPmtInfId>PZ2026000002</OrgnlPmtInfId>"
            "<PmtInfSts>RJCT</PmtInfSts><StsRsnInf><Rsn><Cd>AC04</Cd></Rsn></StsRsnInf>"
            "</OrgnlPmtInfAndSts>",
        ).encode()
    )
    assert (report.message_id, report.original_message_id) == ("ICBC-STS-0001", "YS-20261123-0001")
    assert (report.group_status, report.group_reason) == ("PART", "NARR 部分受理")
    # The block with only transactions gives no status of its own.
    assert report.blocks == [iso.BlockStatus("PZ2026000002", "RJCT", "AC04")]
    assert [e.end_to_end_id for e in report.entries] == ["PZ2026000001-1", "PZ2026000001-2"]
    plain = iso.read_status_report(PAIN002.encode())
    assert (plain.group_status, plain.group_reason, plain.blocks) == ("", "", [])


TEXT = st.text(
    alphabet=st.sampled_from("苏州吴江文具有限公司工资 ABCxyz0123-（）·"), min_size=1, max_size=140
)
ACCOUNTS = st.builds(
    iso.Account,
    TEXT,
    st.from_regex(r"[0-9]{6,32}", fullmatch=True),
    TEXT,
    st.one_of(st.just(""), st.from_regex(r"[0-9]{12}", fullmatch=True)),
)
TRANSFERS = st.builds(
    iso.Transfer,
    st.from_regex(r"PZ2026[0-9]{6}-[1-9][0-9]{0,3}", fullmatch=True),
    st.integers(min_value=1, max_value=10**12),
    ACCOUNTS,
    TEXT,
)
BLOCKS = st.builds(
    iso.PaymentBlock,
    st.from_regex(r"PZ2026[0-9]{6}", fullmatch=True),
    st.dates(dt.date(2026, 1, 1), dt.date(2027, 12, 31)),
    ACCOUNTS,
    st.lists(TRANSFERS, min_size=1, max_size=4),
)


@settings(max_examples=60, deadline=None)
@given(blocks=st.lists(BLOCKS, min_size=1, max_size=3), party=TEXT)
def test_a_pain001_reads_back_as_written(blocks: list[iso.PaymentBlock], party: str) -> None:
    """The JSON form of a bank file is read from the XML as sent: reading must give back exactly
    what was written, to the fen."""
    xml = iso.pain001(
        message_id="YS32050920261123000001",
        created_at=dt.datetime(2026, 11, 23, 10, 30, tzinfo=dt.UTC),
        initiating_party=party,
        blocks=blocks,
    )
    back = iso.read_pain001(xml)
    assert (back.message_id, back.initiating_party) == ("YS32050920261123000001", party)
    assert back.created_at == "2026-11-23T10:30:00+00:00"
    assert [(b.payment_id, b.execution_date, b.debtor, list(b.transfers)) for b in back.blocks] == [
        (b.payment_id, b.execution_date, b.debtor, list(b.transfers)) for b in blocks
    ]


def test_reading_a_file_that_is_not_pain001_names_the_problem() -> None:
    with pytest.raises(ValueError, match="PmtMtd"):
        iso.read_pain001(_file(100).replace(b"<PmtMtd>TRF</PmtMtd>", b"<PmtMtd>X</PmtMtd>"))
