"""The agent bank: vouchers go out as one pain.001 file, results come back per line (DOMAIN
§2.10, P11).

A line is settled once — paid (frozen → paid on the indicator) or failed (frozen → available) —
under the ledger key ``payments.line:<id>:settle`` and a unique result per line. The same result
sent again (same bank message and entry id, same outcome) is a replay with no effect; the same
entry with the opposite outcome, or another result for a settled line, is refused naming it.

A result answers a bank file we sent: its message id (through the API) or its report's
``OrgnlMsgId`` (a pain.002) must be the ``message_id`` of a file of the caller's regions, and its
end-to-end id a transfer of that file; an invented message, or a line not in that file, is a 422
naming the field and the value.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import BusinessRuleError
from yusuan.common.ids import parse_int
from yusuan.core.services.sequences import next_number
from yusuan.payments import iso20022 as iso
from yusuan.payments import locks
from yusuan.payments.agent_banks import refuse_other_bank
from yusuan.payments.choices import LineState, RequestState, VoucherKind
from yusuan.payments.models import (
    BankFile,
    BankResult,
    PaymentLine,
    PaymentVoucher,
)
from yusuan.payments.services.requests import set_state
from yusuan.payments.services.settlement import LineByLineError, Locked, settle_batch, settle_line
from yusuan.payments.services.settlement import ResultInput as ResultInput
from yusuan.payments.services.settlement import ResultOutcome as ResultOutcome


def end_to_end_id(voucher: PaymentVoucher, line: PaymentLine) -> str:
    return f"{voucher.number}-{line.row + 1}"


def _waiting(mof_div_code: str) -> Any:
    return PaymentVoucher.objects.filter(
        mof_div_code=mof_div_code,
        bank_file__isnull=True,
        kind=VoucherKind.PAYMENT,  # R-PY-12: 实拨 vouchers go into no bank file
        request__state=RequestState.VOUCHER_ISSUED,
        request__payer_account__agent_bank__isnull=False,
    )


@transaction.atomic
def bank_file_create(
    *, actor: Actor, mof_div_code: str, bank_id: int | None = None
) -> BankFile | None:
    """The issued vouchers of the region not yet sent whose payer account one agent bank holds
    (R-PY-9: ``bank_id``, else the bank of the oldest one waiting), in one pain.001 file for that
    bank (valid against the schema, or nothing is sent); their requests move to ``at_bank``.
    ``None``: nothing waits for that bank. ``bank_files_create`` sends to every bank."""
    ensure_permission(actor, "payments.send_to_bank")
    if mof_div_code not in actor.scope.mof_div_codes:
        # Another region's code and one that does not exist are told apart by nobody (a 404).
        code = mof_div_code[:40]
        raise BusinessRuleError.single(
            code="payments.region",
            field="mof_div_code",
            value=code,
            limit=sorted(actor.scope.mof_div_codes),
            message_zh=f"区划代码 {code} 不存在或不在您的管辖范围内，不能向银行发送其支付凭证",
            message_en=f"region (mof_div_code) {code} does not exist or is outside your scope: "
            "its vouchers cannot be sent to the bank",
            status=404,
        )
    if bank_id is None:
        bank_id = (
            _waiting(mof_div_code)
            .order_by("pk")
            .values_list("request__payer_account__agent_bank_id", flat=True)
            .first()
        )
        if bank_id is None:
            return None
    vouchers = list(
        locks.voucher_qs_select_for_update_skip_locked()
        .filter(
            mof_div_code=mof_div_code,
            bank_file__isnull=True,
            kind=VoucherKind.PAYMENT,  # R-PY-12
            request__state=RequestState.VOUCHER_ISSUED,
            request__payer_account__agent_bank_id=bank_id,
        )
        .select_related("request__payer_account", "request__organisation")
    )
    if not vouchers:
        return None
    now = timezone.now()
    today = timezone.localdate(now)  # the bank's and the clerk's date, not UTC's
    # The file is built and schema-checked under a stand-in id; the gapless number is taken
    # last (issue 20): its counter row stays locked until the commit, so every other sender of
    # the region waits only for the few statements after it, not for the XML.
    prefix = f"YS{mof_div_code}{today:%Y%m%d}"
    stand_in = f"{prefix}XXXXXX"
    blocks = []
    for voucher in vouchers:
        request = voucher.request
        account = request.payer_account
        blocks.append(
            iso.PaymentBlock(
                payment_id=voucher.number,
                execution_date=max(request.pay_date, today),
                debtor=iso.Account(
                    account.account_name, account.account_no, account.bank_name, account.bank_code
                ),
                transfers=[
                    iso.Transfer(
                        end_to_end_id=end_to_end_id(voucher, line),
                        amount_fen=line.amount,
                        creditor=iso.Account(
                            line.payee_name,
                            line.payee_account_no,
                            line.payee_bank_name,
                            line.payee.bank_code if line.payee else "",
                        ),
                        remittance=line.summary or request.purpose,
                    )
                    for line in request.lines.select_related("payee").order_by("row")
                ],
            )
        )
    xml = iso.pain001(
        message_id=stand_in,
        created_at=timezone.localtime(now),  # the bank's and the clerk's time, with its offset
        initiating_party=vouchers[0].request.organisation.name,
        blocks=blocks,
    )
    errors = iso.schema_errors(xml, "pain.001.001.03")
    if errors:  # a bug of ours, never the clerk's: nothing leaves, the cause is named
        raise BusinessRuleError.single(
            code="payments.bank_file_invalid",
            field="xml",
            value=errors[0],
            message_zh=f"银行文件未通过 ISO 20022 校验：{errors[0]}",
            message_en=f"the bank file fails the ISO 20022 schema: {errors[0]}",
            status=500,
        )
    sequence = next_number(mof_div_code=mof_div_code, fiscal_year=today.year, series="bank-file")
    message_id = f"{prefix}{sequence:06d}"
    if xml.count(stand_in.encode()) != 1:  # pragma: no cover - the id is written once, in MsgId
        raise AssertionError(f"the stand-in message id is not in the file once: {stand_in}")
    xml = xml.replace(stand_in.encode(), message_id.encode())
    bank_file = BankFile.objects.create(
        mof_div_code=mof_div_code,
        bank_id=bank_id,
        message_id=message_id,
        xml=xml.decode(),
        transfers=sum(len(b.transfers) for b in blocks),
        total=sum(v.amount for v in vouchers),
        created_by_id=actor.pk,
    )
    PaymentVoucher.objects.filter(pk__in=[v.pk for v in vouchers]).update(bank_file=bank_file)
    for voucher in vouchers:
        set_state(actor=actor, request=voucher.request, state=RequestState.AT_BANK, why="sent")
    audit_record(
        action="payments.bank_file",
        actor=actor,
        obj=bank_file,
        extra={
            "vouchers": [v.number for v in vouchers],
            "total_fen": bank_file.total,
            "bank": vouchers[0].request.payer_account.agent_bank_id,
        },
    )
    return bank_file


def bank_files_create(*, actor: Actor, mof_div_code: str) -> list[BankFile]:
    """R-PY-9: every issued voucher of the region not yet sent, one file per agent bank (each in
    its own transaction: a file that is made stays made)."""
    files = []
    while (sent := bank_file_create(actor=actor, mof_div_code=mof_div_code)) is not None:
        files.append(sent)
    return files


def _refused(
    code: str, item: ResultInput, zh: str, en: str, *, status: int = 409, **named: Any
) -> BusinessRuleError:
    return BusinessRuleError.single(
        code=code,
        rule="P11",
        message_zh=zh,
        message_en=en,
        status=status,
        **({"field": "end_to_end_id", "value": item.end_to_end_id} | named),
    )


def _sent(actor: Actor, message_id: str) -> bool:
    """Whether ``message_id`` names a bank file sent for one of the actor's regions."""
    return BankFile.objects.filter(
        message_id=message_id, mof_div_code__in=actor.scope.mof_div_codes
    ).exists()


def _unknown_message(item: ResultInput) -> BusinessRuleError:
    # Another region's file and an invented id are told apart by nobody (DESIGN §7).
    message = item.answers[:64]
    return _refused(
        "payments.result_unknown_message",
        item,
        f"银行结果所答复的报文 {message} 不是本系统发往银行的支付文件（或不在您的管辖范围内），"
        "未予处理；报文标识应为支付文件的 message_id（YS 开头）",
        f"message {message} is not a bank file this system sent for your regions, so its "
        "results are refused; give the message_id of the payment file (YS…)",
        status=422,
        field=item.answers_field,
        value=message,
    )


def _line_for(actor: Actor, item: ResultInput) -> PaymentLine:
    """The line a result is for: a transfer of the bank file the result answers."""
    number, _, row = item.end_to_end_id.rpartition("-")
    line = (
        locks.line_qs_select_for_update()
        .filter(
            request__voucher__number=number,
            request__voucher__bank_file__message_id=item.answers,
            request__voucher__bank_file__mof_div_code__in=actor.scope.mof_div_codes,
            request__mof_div_code__in=actor.scope.mof_div_codes,
            row=row_no - 1 if (row_no := parse_int(row)) else -1,
        )
        # What settling and its money event read: no second query for them (issue 20).
        .select_related(
            "request__contract",
            "request__payer_account__agent_bank",
            "request__voucher",
            "request__organisation",
        )
        .first()
    )
    if line is None:
        if not _sent(actor, item.answers):
            raise _unknown_message(item)
        raise _refused(
            "payments.result_unknown_line",
            item,
            f"支付明细 {item.end_to_end_id} 不在银行文件 {item.answers} 中（不存在或未随该文件发送），"
            "未予处理",
            f"payment line {item.end_to_end_id} is not a transfer of bank file {item.answers} "
            "(no such line, or sent in another file)",
            status=422,
            limit=item.answers,
        )
    return line


def _replay(item: ResultInput) -> ResultOutcome | None:
    """The outcome of this bank message and entry if it was recorded before."""
    existing = (
        BankResult.objects.filter(message_id=item.message_id, entry_id=item.entry_id)
        .select_related("line__request__voucher")
        .first()
    )
    if existing is None:
        return None
    if end_to_end_id(existing.line.request.voucher, existing.line) != item.end_to_end_id:
        raise _refused(
            "payments.result_entry_reused",
            item,
            f"银行报文 {item.message_id} 的明细 {item.entry_id} 已用于另一笔支付",
            f"bank entry {item.message_id}/{item.entry_id} was used for another line",
        )
    if existing.accepted != item.accepted:
        # Not a retry: the bank now says the opposite of what it said for the same entry.
        said, says = ("已支付", "未支付") if existing.accepted else ("未支付", "已支付")
        raise _refused(
            "payments.result_contradicts",
            item,
            f"银行报文 {item.message_id} 的明细 {item.entry_id}（{item.end_to_end_id}）此前报告为"
            f"“{said}”，本次报告为“{says}”，与已记录的结果矛盾，未予处理",
            f"bank entry {item.message_id}/{item.entry_id} ({item.end_to_end_id}) was recorded "
            f"as paid={existing.accepted}; paid={item.accepted} contradicts it and is refused",
            field="paid",
            value=item.accepted,
            limit=existing.accepted,
        )
    return ResultOutcome(item.end_to_end_id, True, existing.line.state)


@transaction.atomic
def bank_result_record(*, actor: Actor, item: ResultInput) -> ResultOutcome:
    """Apply one bank result to its payment line, exactly once."""
    ensure_permission(actor, "payments.record_bank_result")
    line = _line_for(actor, item)
    refuse_other_bank(
        actor,
        line.request.payer_account,
        field="end_to_end_id",
        what_zh=f"支付结果（{item.end_to_end_id}）",
        what_en=f"payment results ({item.end_to_end_id})",
    )
    if line.state != LineState.OPEN:
        # Settled before, or by the same result committing while this one waited for the
        # line's lock: read with the lock held — a replay, not a conflict (P11).
        replayed = _replay(item)
        if replayed is not None:
            return replayed
        raise _refused(
            "payments.result_settled",
            item,
            f"支付明细 {item.end_to_end_id} 已于此前处理为“{line.get_state_display()}”，"
            "不能再次记录结果",
            f"payment line {item.end_to_end_id} is already {line.state}",
        )
    try:
        with transaction.atomic():
            BankResult.objects.create(
                message_id=item.message_id,
                entry_id=item.entry_id,
                line=line,
                accepted=item.accepted,
                reason=item.reason[:300],
                value_date=item.value_date or timezone.localdate(),
                recorded_by_id=actor.pk,
            )
    except IntegrityError:  # this bank entry was recorded for another line
        _replay(item)  # names the reuse
        raise _refused(
            "payments.result_settled",
            item,
            f"支付明细 {item.end_to_end_id} 已有银行结果",
            f"payment line {item.end_to_end_id} already has a result",
        ) from None
    settle_line(
        actor=actor,
        line=line,
        item=item,
        audit_action="payments.bank_result",
        audit_extra={"bank_message": item.message_id, "bank_file": item.answers},
    )
    return ResultOutcome(item.end_to_end_id, False, line.state)


def _lock_in_order(actor: Actor, items: list[ResultInput]) -> Locked:
    """A batch's payment lines locked in pk order, then their requests, before any result is
    applied (each result takes its line and request again, already held). Locked as each entry
    comes, a resend in another order, or one result of a request the batch is settling, would
    each hold a row the other waits for: a deadlock. The rows the entries name, and at most a
    few more lines of the same vouchers (their numbers and rows are matched apart). Returned as
    the batch path reads them (``settlement.Locked``): read once, under the lock."""
    if len(items) < 2:
        return {}  # one result locks its line, then its request
    wanted = [item.end_to_end_id.rpartition("-") for item in items]
    lines = list(
        locks.line_qs_select_for_update()
        .filter(
            request__voucher__number__in={number for number, _, _ in wanted},
            request__voucher__bank_file__message_id__in={item.answers for item in items},
            request__mof_div_code__in=actor.scope.mof_div_codes,
            row__in={row_no - 1 for _, _, row in wanted if (row_no := parse_int(row))},
        )
        # The file's message id, not the file: its XML holds every transfer of the file.
        .annotate(
            sent_in=F("request__voucher__bank_file__message_id"),
            voucher_number=F("request__voucher__number"),
        )
    )
    # Each request locked and read once, with what settling needs, however many lines it has.
    requests = {
        request.pk: request
        for request in locks.request_qs_select_for_update()
        .filter(pk__in={line.request_id for line in lines})
        .select_related("voucher", "organisation", "payer_account")
    }
    for line in lines:
        line.request = requests[line.request_id]
    return {(line.sent_in, line.voucher_number, line.row): line for line in lines}


@transaction.atomic
def bank_results_record(*, actor: Actor, items: list[ResultInput]) -> list[ResultOutcome]:
    """A bank's batch of results, all or nothing (DESIGN §6): every refused entry is reported,
    named by its position, and none is applied; replays of entries already recorded are fine.
    A message that is not a file we sent refuses the batch at once (422, naming the message);
    entries not in that file are 422s, conflicts with what was recorded 409s (a batch with both:
    409)."""
    unknown = []
    for message in dict.fromkeys(item.answers for item in items):
        if not _sent(actor, message):
            first = next(item for item in items if item.answers == message)
            unknown += _unknown_message(first).errors
    if unknown:
        raise BusinessRuleError(unknown, status=422)
    locked = _lock_in_order(actor, items)
    if len(items) > 1:
        try:
            return settle_batch(actor, items, locked)
        except LineByLineError:
            pass  # the entries one by one: the same outcome, or every refusal named
    outcomes: list[ResultOutcome] = []
    errors = []
    statuses = set()
    for index, item in enumerate(items):
        try:
            with transaction.atomic():
                outcomes.append(bank_result_record(actor=actor, item=item))
        except BusinessRuleError as exc:
            statuses.add(exc.status)
            errors += [
                replace(e, field=f"entries[{index}].{e.field}", row=index) for e in exc.errors
            ]
    if errors:
        raise BusinessRuleError(errors, status=statuses.pop() if len(statuses) == 1 else 409)
    return outcomes


def read_report(xml: bytes, *, filename: str = "") -> iso.StatusReport:
    """A pain.002 upload, read (``bank_report_record`` applies it); an unreadable file is named,
    not a server error. The XML is parsed without loading a DTD, expanding an entity or touching
    the network; a file that declares a DOCTYPE is then refused before its content is used."""
    try:
        return iso.read_status_report(xml)
    except iso.DoctypeRefusedError as exc:
        name = filename or "pain.002"
        raise BusinessRuleError.single(
            code="payments.pain002_doctype",
            field="report",
            value=name[:200],
            message_zh=f"状态报告“{name}”含有 DOCTYPE（DTD）声明，不予接受：ISO 20022 报文不使用 DTD",
            message_en=f"status report '{name}' declares a DOCTYPE (DTD) and is refused: "
            "ISO 20022 messages use none",
        ) from exc
    except iso.ReportError as exc:
        name = filename or "pain.002"
        zh, en = REPORT_FAULTS[exc.kind]
        where_zh, where_en = (f"第 {exc.line} 行", f", line {exc.line}") if exc.line else ("", "")
        raise BusinessRuleError.single(
            code="payments.pain002_invalid",
            field="report",
            row=exc.line,
            value=str(exc)[:200],
            limit="pain.002.001.03",
            message_zh=f"状态报告“{name}”{where_zh}{zh}，未予处理（解析器提示：{exc.detail[:200]}）",
            message_en=f"status report '{name}'{where_en}: {en}; nothing was recorded "
            f"(parser: {exc.detail[:200]})",
        ) from exc
    except (ValueError, SyntaxError) as exc:  # what the reader does not name (not expected)
        name = filename or "pain.002"
        raise BusinessRuleError.single(
            code="payments.pain002_invalid",
            field="report",
            value=str(exc)[:200],
            limit="pain.002.001.03",
            message_zh=f"状态报告“{name}”不是有效的 pain.002.001.03 报文，未予处理"
            f"（解析器提示：{str(exc)[:200]}）",
            message_en=f"status report '{name}' is not a valid pain.002.001.03 report; nothing "
            f"was recorded (parser: {str(exc)[:200]})",
        ) from exc


def report_results(report: iso.StatusReport) -> list[ResultInput]:
    """The results a report gives transaction by transaction (``TxInfAndSts``)."""
    return [
        ResultInput(
            e.message_id,
            e.entry_id,
            e.end_to_end_id,
            e.accepted,
            e.reason,
            sent_message_id=e.original_message_id,
            value_date=e.value_date,
        )
        for e in report.entries
    ]


@dataclass(frozen=True)
class ReportAnswer:
    """What a pain.002 did: the results recorded, and how many transfers were failed by a
    rejection of their whole file or payment block rather than one by one."""

    report_id: str  # the report's MsgId
    answers: str  # OrgnlMsgId: our bank file
    group_status: str
    outcomes: list[ResultOutcome]
    rejected_whole: int  # transfers failed by GrpSts or PmtInfSts RJCT


def _rejected_with_block_or_file(
    report: iso.StatusReport, bank_file: BankFile
) -> list[ResultInput]:
    """A transfer the report names no status for takes its payment block's status, else the
    whole file's: when that is RJCT, the bank refused it with its block or file — a failed
    result, as a TxSts RJCT would be. Any other block or file status (ACCP, ACSC, PART, …)
    settles no transfer: payment is confirmed transfer by transfer."""
    listed = {entry.end_to_end_id for entry in report.entries}
    given = {block.payment_id: block for block in report.blocks}
    items = []
    for block in iso.read_pain001(bank_file.xml.encode()).blocks:
        own = given.get(block.payment_id)
        status, reason, level = (
            (own.status, own.reason, "PmtInfSts")
            if own is not None
            else (report.group_status, report.group_reason, "GrpSts")
        )
        if status != iso.REJECTED:
            continue
        items += [
            ResultInput(
                report.message_id,
                transfer.end_to_end_id,
                transfer.end_to_end_id,
                False,
                f"{level} {status}" + (f": {reason}" if reason else ""),
                sent_message_id=report.original_message_id,
            )
            for transfer in block.transfers
            if transfer.end_to_end_id not in listed
        ]
    return items


@transaction.atomic
def bank_report_record(*, actor: Actor, report: iso.StatusReport) -> ReportAnswer:
    """A pain.002 status report applied (all or nothing, as ``bank_results_record``): each
    transaction's status, and a rejection (RJCT) of the whole file or of a payment block for
    every transfer of it that has no status of its own. The file the report answers must be one
    we sent, even when the report carries no transaction (a 422 naming ``OrgnlMsgId``)."""
    ensure_permission(actor, "payments.record_bank_result")
    bank_file = BankFile.objects.filter(
        message_id=report.original_message_id, mof_div_code__in=actor.scope.mof_div_codes
    ).first()
    if bank_file is None:
        probe = ResultInput(
            report.message_id, "", "", False, sent_message_id=report.original_message_id
        )
        raise BusinessRuleError(_unknown_message(probe).errors, status=422)
    whole = _rejected_with_block_or_file(report, bank_file)
    outcomes = bank_results_record(actor=actor, items=report_results(report) + whole)
    return ReportAnswer(
        report_id=report.message_id,
        answers=report.original_message_id,
        group_status=report.group_status,
        outcomes=outcomes,
        rejected_whole=len(whole),
    )


# File statuses that confirm what was received (accepted, technically or for settlement).
CONFIRMING = frozenset({*iso.ACCEPTED, "ACTC", "RCVD"})


def report_message(answer: ReportAnswer) -> str:
    """What a report did, for the clerk who uploaded it and the bank that sent it, in the
    active language. A report with no transfer result at all says so: nothing was recorded."""
    if not answer.outcomes:
        named = {
            "report": answer.report_id,
            "file": answer.answers,
            "status": answer.group_status or _("none given"),
        }
        if answer.group_status in CONFIRMING:
            return (
                _(
                    "Status report %(report)s confirms bank file %(file)s (file status "
                    "%(status)s) but carries no result for any transfer: nothing was recorded, and "
                    "the transfers stay at the bank until their own results are reported."
                )
                % named
            )
        return (
            _(
                "Status report %(report)s answers bank file %(file)s (file status %(status)s) but "
                "carries no result for any transfer: nothing was recorded, and the transfers stay "
                "at the bank until their own results are reported."
            )
            % named
        )
    text = _("Recorded %(new)s results (%(old)s already known).") % {
        "new": sum(not o.replayed for o in answer.outcomes),
        "old": sum(o.replayed for o in answer.outcomes),
    }
    if answer.rejected_whole:
        text += " " + _(
            "The bank rejected %(count)s transfers of file %(file)s with their whole file or "
            "payment block: they are recorded as failed and their amounts released."
        ) % {"count": answer.rejected_whole, "file": answer.answers}
    return text


def report_messages(answer: ReportAnswer) -> dict[str, str]:
    """``report_message`` in both languages (the API answers in both)."""
    messages = {}
    for language, key in (("zh-hans", "message_zh"), ("en", "message_en")):
        with translation.override(language):
            messages[key] = report_message(answer)
    return messages


# What is wrong with an unreadable pain.002, by ``iso.ReportError.kind``: (中文, English).
REPORT_FAULTS = {
    "syntax": ("不是格式正确的 XML（标签未闭合、文件不完整或编码错误）", "not well-formed XML"),
    "schema": (
        "不符合 ISO 20022 pain.002.001.03 状态报告的结构",
        "not a valid ISO 20022 pain.002.001.03 status report",
    ),
    "status": ("有一笔交易缺少状态（TxSts）", "a transaction has no status (TxSts)"),
}
