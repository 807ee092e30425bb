"""ISO 20022 files exchanged with the agent bank: pain.001 credit transfers out, pain.002 status
reports in. Built and read with lxml; validated against the generic ISO schemas shipped here
(``NOTICE.md``). Chinese accounts are not IBANs: accounts go in ``Othr/Id``, banks by their CNAPS
code in ``ClrSysMmbId``.

The schema does not check everything a bank needs, so ``pain001`` also refuses what it allows:
amounts must be whole fen (the XSD accepts five decimals), and ``NbOfTxs``/``CtrlSum`` are computed
from the transactions, never typed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib.resources import as_file, files

from lxml import etree

PAIN001 = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
PAIN002 = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"
CNAPS = "CNAPS"


@cache
def schema(name: str) -> etree.XMLSchema:
    with as_file(files(__name__) / f"{name}.xsd") as path:
        return etree.XMLSchema(etree.parse(str(path)))


class DoctypeRefusedError(ValueError):
    """The file declares a DTD. ISO 20022 messages never need one, and a DTD is how entity
    expansion (billion laughs) and external entities (XXE: local files, network) get in."""


def parse(xml: bytes) -> etree._Element:
    """The one way files from outside are read: no DTD loaded, no entity resolved, no network,
    and any ``<!DOCTYPE …>`` refused outright (``DoctypeRefusedError``)."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False
    )
    document = etree.fromstring(xml, parser)
    info = document.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise DoctypeRefusedError("the file declares a DTD (<!DOCTYPE …>)")
    return document


class ReportError(ValueError):
    """A status report that cannot be read, told apart for the person who has to fix it:
    ``kind`` is ``syntax`` (not well-formed XML), ``schema`` (not a pain.002.001.03) or
    ``status`` (a transaction without its status); ``line`` where the reader stopped, ``detail``
    the reader's own words (libxml's, English)."""

    def __init__(self, kind: str, line: int | None, detail: str) -> None:
        super().__init__(f"line {line}: {detail}" if line else detail)
        self.kind = kind
        self.line = line
        self.detail = detail


def _violations(xml: bytes, name: str) -> list[tuple[int, str]]:
    validator = schema(name)
    document = parse(xml)
    if validator.validate(document):
        return []
    return [(e.line, e.message) for e in validator.error_log]


def schema_errors(xml: bytes, name: str) -> list[str]:
    """Every violation of the named schema (``pain.001.001.03``), as ``line N: message``."""
    return [f"line {line}: {message}" for line, message in _violations(xml, name)]


@dataclass(frozen=True)
class Account:
    name: str
    number: str
    bank_name: str
    bank_code: str  # CNAPS (12 digits); may be empty


@dataclass(frozen=True)
class Transfer:
    end_to_end_id: str  # our line reference, returned in the bank's status report
    amount_fen: int
    creditor: Account
    remittance: str  # 用途 / 摘要


@dataclass(frozen=True)
class PaymentBlock:
    """One voucher: one debtor account, one execution date, its lines as transfers."""

    payment_id: str
    execution_date: dt.date
    debtor: Account
    transfers: Sequence[Transfer]


def _yuan(fen: int) -> str:
    if fen <= 0:
        raise ValueError(f"an amount must be above 0 fen, got {fen}")
    return str(Decimal(fen) / 100)


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{PAIN001}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def _agent(parent: etree._Element, tag: str, account: Account) -> None:
    institution = _sub(_sub(parent, tag), "FinInstnId")
    if account.bank_code:
        member = _sub(institution, "ClrSysMmbId")
        _sub(_sub(member, "ClrSysId"), "Cd", CNAPS)
        _sub(member, "MmbId", account.bank_code)
    _sub(institution, "Nm", account.bank_name[:140])


def _account(parent: etree._Element, tag: str, account: Account) -> None:
    _sub(_sub(_sub(_sub(parent, tag), "Id"), "Othr"), "Id", account.number)


def pain001(
    *,
    message_id: str,
    created_at: dt.datetime,
    initiating_party: str,
    blocks: Sequence[PaymentBlock],
) -> bytes:
    """A pain.001.001.03 credit transfer initiation, UTF-8, valid against the schema."""
    transfers = [t for block in blocks for t in block.transfers]
    if not transfers:
        raise ValueError("a bank file needs at least one transfer")
    root = etree.Element(f"{{{PAIN001}}}Document", nsmap={None: PAIN001})
    initiation = _sub(root, "CstmrCdtTrfInitn")
    header = _sub(initiation, "GrpHdr")
    _sub(header, "MsgId", message_id)
    _sub(header, "CreDtTm", created_at.replace(microsecond=0).isoformat())
    _sub(header, "NbOfTxs", str(len(transfers)))
    _sub(header, "CtrlSum", _yuan(sum(t.amount_fen for t in transfers)))
    _sub(_sub(header, "InitgPty"), "Nm", initiating_party[:140])
    for block in blocks:
        info = _sub(initiation, "PmtInf")
        _sub(info, "PmtInfId", block.payment_id)
        _sub(info, "PmtMtd", "TRF")
        _sub(info, "NbOfTxs", str(len(block.transfers)))
        _sub(info, "CtrlSum", _yuan(sum(t.amount_fen for t in block.transfers)))
        _sub(info, "ReqdExctnDt", block.execution_date.isoformat())
        _sub(_sub(info, "Dbtr"), "Nm", block.debtor.name[:140])
        _account(info, "DbtrAcct", block.debtor)
        _agent(info, "DbtrAgt", block.debtor)
        for transfer in block.transfers:
            entry = _sub(info, "CdtTrfTxInf")
            _sub(_sub(entry, "PmtId"), "EndToEndId", transfer.end_to_end_id)
            _sub(_sub(entry, "Amt"), "InstdAmt", _yuan(transfer.amount_fen), Ccy="CNY")
            _agent(entry, "CdtrAgt", transfer.creditor)
            _sub(_sub(entry, "Cdtr"), "Nm", transfer.creditor.name[:140])
            _account(entry, "CdtrAcct", transfer.creditor)
            _sub(_sub(entry, "RmtInf"), "Ustrd", transfer.remittance[:140] or "-")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


@dataclass(frozen=True)
class CreditTransferFile:
    """A pain.001 file read back: what the bank received, for the JSON form of the same file."""

    message_id: str
    created_at: str  # as written (ISO 8601, local time)
    initiating_party: str
    blocks: list[PaymentBlock]


def _account_read(node: etree._Element, party: str, account: str, agent: str) -> Account:
    ns = {"p": PAIN001}
    return Account(
        name=node.findtext(f"p:{party}/p:Nm", namespaces=ns) or "",
        number=node.findtext(f"p:{account}/p:Id/p:Othr/p:Id", namespaces=ns) or "",
        bank_name=node.findtext(f"p:{agent}/p:FinInstnId/p:Nm", namespaces=ns) or "",
        bank_code=node.findtext(f"p:{agent}/p:FinInstnId/p:ClrSysMmbId/p:MmbId", namespaces=ns)
        or "",
    )


def read_pain001(xml: bytes) -> CreditTransferFile:
    """The content of a pain.001.001.03 file as ``pain001`` writes it (validated first)."""
    errors = schema_errors(xml, "pain.001.001.03")
    if errors:
        raise ValueError("; ".join(errors[:5]))
    ns = {"p": PAIN001}
    document = parse(xml)
    initiation = document.find("p:CstmrCdtTrfInitn", namespaces=ns)
    assert initiation is not None  # the schema requires it
    blocks = []
    for info in initiation.iterfind("p:PmtInf", namespaces=ns):
        transfers = [
            Transfer(
                end_to_end_id=entry.findtext("p:PmtId/p:EndToEndId", namespaces=ns) or "",
                amount_fen=int(
                    Decimal(entry.findtext("p:Amt/p:InstdAmt", namespaces=ns) or "0") * 100
                ),
                creditor=_account_read(entry, "Cdtr", "CdtrAcct", "CdtrAgt"),
                remittance=entry.findtext("p:RmtInf/p:Ustrd", namespaces=ns) or "",
            )
            for entry in info.iterfind("p:CdtTrfTxInf", namespaces=ns)
        ]
        blocks.append(
            PaymentBlock(
                payment_id=info.findtext("p:PmtInfId", namespaces=ns) or "",
                execution_date=dt.date.fromisoformat(
                    info.findtext("p:ReqdExctnDt", namespaces=ns) or ""
                ),
                debtor=_account_read(info, "Dbtr", "DbtrAcct", "DbtrAgt"),
                transfers=transfers,
            )
        )
    return CreditTransferFile(
        message_id=initiation.findtext("p:GrpHdr/p:MsgId", namespaces=ns) or "",
        created_at=initiation.findtext("p:GrpHdr/p:CreDtTm", namespaces=ns) or "",
        initiating_party=initiation.findtext("p:GrpHdr/p:InitgPty/p:Nm", namespaces=ns) or "",
        blocks=blocks,
    )


@dataclass(frozen=True)
class StatusEntry:
    """One transaction's result from a pain.002 status report."""

    message_id: str  # the report's own MsgId
    entry_id: str  # the report's StsId for the transaction, else the end-to-end id
    end_to_end_id: str
    accepted: bool
    reason: str
    original_message_id: str = ""  # OrgnlGrpInfAndSts/OrgnlMsgId: the pain.001 it answers
    # R-PY-10: the bank's value date — the transaction's AccptncDtTm, else the report's CreDtTm.
    value_date: dt.date | None = None


ACCEPTED = frozenset({"ACSC", "ACCP", "ACSP", "ACWC"})
REJECTED = "RJCT"


@dataclass(frozen=True)
class BlockStatus:
    """A status a pain.002 gives a whole payment block (``OrgnlPmtInfAndSts/PmtInfSts``)."""

    payment_id: str  # OrgnlPmtInfId: the block's PmtInfId in the pain.001 (a voucher number)
    status: str
    reason: str


@dataclass(frozen=True)
class StatusReport:
    """A pain.002 status report: the statuses of single transactions, and those given for the
    whole file (``OrgnlGrpInfAndSts/GrpSts``) and for payment blocks (``PmtInfSts``)."""

    message_id: str  # the report's own MsgId
    original_message_id: str  # OrgnlMsgId: the pain.001 it answers
    group_status: str  # GrpSts, "" when the report gives none
    group_reason: str
    blocks: list[BlockStatus]  # the blocks given a status of their own
    entries: list[StatusEntry]


def _date(text: str | None) -> dt.date | None:
    """The day of an ISO date-time as the bank wrote it (its local day), or ``None``."""
    try:
        return dt.date.fromisoformat((text or "")[:10])
    except ValueError:
        return None


def _reason(node: etree._Element) -> str:
    """A status's reason: its code and additional information, as one line."""
    ns = {"p": PAIN002}
    return " ".join(
        filter(
            None,
            [
                node.findtext("p:StsRsnInf/p:Rsn/p:Cd", namespaces=ns),
                *(t.text for t in node.iterfind("p:StsRsnInf/p:AddtlInf", namespaces=ns)),
            ],
        )
    )


def read_pain002(xml: bytes) -> list[StatusEntry]:
    """The transaction statuses of a pain.002.001.03 report (see ``read_status_report``)."""
    return read_status_report(xml).entries


def read_status_report(xml: bytes) -> StatusReport:
    """A pain.002.001.03 report (validated first); an unreadable report is a ``ReportError``
    naming the first line at fault (a DTD: ``DoctypeRefusedError``)."""
    try:
        errors = _violations(xml, "pain.002.001.03")
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else exc.lineno
        raise ReportError("syntax", line or None, str(exc.msg)) from exc
    if errors:
        line, message = errors[0]
        raise ReportError("schema", line, message)
    ns = {"p": PAIN002}
    document = parse(xml)
    message_id = document.findtext("p:CstmrPmtStsRpt/p:GrpHdr/p:MsgId", namespaces=ns) or ""
    group = document.find("p:CstmrPmtStsRpt/p:OrgnlGrpInfAndSts", namespaces=ns)
    assert group is not None  # the schema requires it
    original = group.findtext("p:OrgnlMsgId", namespaces=ns) or ""
    created = _date(document.findtext("p:CstmrPmtStsRpt/p:GrpHdr/p:CreDtTm", namespaces=ns))
    entries = []
    for tx in document.iterfind(".//p:TxInfAndSts", namespaces=ns):
        end_to_end = tx.findtext("p:OrgnlEndToEndId", namespaces=ns) or ""
        status = tx.findtext("p:TxSts", namespaces=ns) or ""
        if not status:
            raise ReportError(
                "status", tx.sourceline, f"transaction {end_to_end or '?'} has no status (TxSts)"
            )
        entries.append(
            StatusEntry(
                message_id=message_id,
                entry_id=tx.findtext("p:StsId", namespaces=ns) or end_to_end,
                end_to_end_id=end_to_end,
                accepted=status in ACCEPTED,
                reason=_reason(tx),
                original_message_id=original,
                value_date=_date(tx.findtext("p:AccptncDtTm", namespaces=ns)) or created,
            )
        )
    blocks = [
        BlockStatus(
            payment_id=block.findtext("p:OrgnlPmtInfId", namespaces=ns) or "",
            status=block.findtext("p:PmtInfSts", namespaces=ns) or "",
            reason=_reason(block),
        )
        for block in document.iterfind("p:CstmrPmtStsRpt/p:OrgnlPmtInfAndSts", namespaces=ns)
        if block.findtext("p:PmtInfSts", namespaces=ns)
    ]
    return StatusReport(
        message_id=message_id,
        original_message_id=original,
        group_status=group.findtext("p:GrpSts", namespaces=ns) or "",
        group_reason=_reason(group),
        blocks=blocks,
        entries=entries,
    )
