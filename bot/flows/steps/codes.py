"""Reply codes staff use to answer a family: what a wrong one gets, and the limit on them.

A wrong code (no such conversation, or one the sender may not answer) always gets the same
answer, naming no child and no carer, so trying codes teaches nothing. After LIMIT wrong codes
within WINDOW, that staff member's codes are not looked up for PAUSE; the managers are told
and the audit log keeps each wrong code and the pause. Answering without a code (choosing
from one's own conversations) still works while codes are paused.
"""

from __future__ import annotations

from datetime import timedelta

from bot.domain.messages import Text
from bot.flows.base import Context, Effect, NotifyStaff, RecordAudit, Reply

LIMIT = 5  # wrong codes in WINDOW before codes are paused
WINDOW = timedelta(hours=1)
PAUSE = timedelta(hours=1)  # as long as the window, so a pause ends with a clean slate
WRONG = "relay.wrong_code"  # the audit action counted against the limit
PAUSED = "relay.codes_paused"  # the audit action that starts a pause, subject "staff:<id>"
WHILE_PAUSED = "relay.code_while_paused"


def wrong(ctx: Context) -> tuple[Effect, ...]:
    """The answer to a code that names nothing the sender may answer (or any code while their
    codes are paused), the audit entries, and the managers' notice when the limit is reached."""
    staff = ctx.staff
    named = ctx.facts.get("named_code")  # facts: see bot.flows.steps.facts
    typed = f"#{named}" if named else ""
    if staff is None:
        return (Reply(Text("relay.wrong_code", {"code": typed})),)
    minutes = int(PAUSE.total_seconds() // 60)
    if ctx.facts.get("codes_paused"):
        return (
            Reply(Text("relay.codes_paused", {"count": minutes})),
            RecordAudit(WHILE_PAUSED, f"staff:{staff.id}", {"code": named}),
        )
    effects: list[Effect] = [RecordAudit(WRONG, f"staff:{staff.id}", {"code": named})]
    if int(ctx.facts.get("wrong_codes") or 0) + 1 < LIMIT:
        return (Reply(Text("relay.wrong_code", {"code": typed})), *effects)
    notice = Text("relay.codes_paused_manager", {"count": LIMIT, "staff": staff.name})
    effects += [NotifyStaff(m, notice) for m in ctx.facts.get("managers") or () if m != staff.id]
    effects.append(RecordAudit(PAUSED, f"staff:{staff.id}", {"wrong_codes": LIMIT}))
    reply = Text("relay.wrong_code_pausing", {"code": typed, "count": minutes})
    return (Reply(reply), *effects)
