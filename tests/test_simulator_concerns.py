"""The simulator shows the whole concern path and the safeguarding path, as README "What to
try" describes them: the demo, driven through the page's API by SMS."""

from __future__ import annotations

import asyncio

import httpx

from bot.config import Settings
from bot.demo import demo_app
from tests.fakes.twilio_api import serve_app
from tests.harness import RunningClock

LAURA, TOM, SARAH = "+447700900101", "+447700900004", "+447700900001"


class Phones:
    """The simulator's phones by SMS: what each sends, and what each is sent."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.read: dict[str, int] = {}

    async def send(self, address: str, text: str) -> None:
        body = {"address": address, "text": text}
        answer = await self.http.post("/simulator/api/send", json=body)
        assert answer.status_code == 200, answer.text

    async def sent(self, address: str, fragment: str) -> str:
        """The next message to this phone holding `fragment` (those before it are passed)."""
        for _ in range(300):
            found = (
                await self.http.get("/simulator/api/messages", params={"address": address})
            ).json()["messages"]
            start = self.read.get(address, 0)
            for index, message in enumerate(found[start:], start):
                if message["dir"] == "out" and fragment in message["text"]:
                    self.read[address] = index + 1
                    return str(message["text"])
            await asyncio.sleep(0.02)
        raise AssertionError(f"{address} was not sent {fragment!r}: {found[start:]}")


async def test_the_simulator_shows_a_concern_from_raising_to_rating_and_safeguarding(tmp_path):
    app = demo_app(Settings(), tmp_path, clock=RunningClock())
    async with serve_app(app, lifespan="on") as url, httpx.AsyncClient(base_url=url) as http:
        phones = Phones(http)
        # Laura raises a concern about Amelia's care.
        await phones.send(LAURA, "CONCERN")
        assert "2 Their care" in await phones.sent(LAURA, "What is it about?")
        await phones.send(LAURA, "2")
        await phones.sent(LAURA, "How soon")
        await phones.send(LAURA, "1")
        await phones.sent(LAURA, "in your own words")
        await phones.send(LAURA, "Amelia came home with a scratch on her arm")
        await phones.sent(LAURA, "1 A message")
        await phones.send(LAURA, "1")
        await phones.sent(LAURA, "Your reference is C-1001")
        # Tom, her key person, acknowledges, answers and closes it; each step reaches Laura.
        assert "scratch on her arm" in await phones.sent(TOM, "Concern C-1001")
        await phones.send(TOM, "ACK C-1001")
        await phones.sent(LAURA, "Tom Baker is looking at your concern C-1001.")
        await phones.send(TOM, "C-1001 She slipped by the sandpit; we cleaned it at once.")
        await phones.sent(LAURA, "She slipped by the sandpit")
        await phones.send(TOM, "CLOSE C-1001 Spoke at pickup.")
        closed = await phones.sent(LAURA, "Your concern C-1001 is now closed")
        assert "1 Yes\n2 Not really\n3 I'd like to talk to the manager" in closed
        await phones.send(LAURA, "1")
        await phones.sent(LAURA, "Thank you for telling us.")

        # She starts one about someone's safety, stops halfway, and carries on later.
        await phones.send(LAURA, "CONCERN")
        await phones.sent(LAURA, "What is it about?")
        await phones.send(LAURA, "4")
        await phones.sent(LAURA, "call 999")
        await phones.send(LAURA, "NOT NOW")
        await phones.sent(LAURA, "kept what you told us so far for a day")
        await phones.send(LAURA, "CONCERN")
        await phones.sent(LAURA, "carry on where you left off, or start again?")
        await phones.send(LAURA, "1")
        await phones.sent(LAURA, "How soon")  # the topic is not asked again
        await phones.send(LAURA, "1")
        await phones.sent(LAURA, "in your own words")
        await phones.send(LAURA, "Please call me, it is about something at home")
        await phones.sent(LAURA, "1 A message")
        await phones.send(LAURA, "2")
        await phones.sent(LAURA, "Your reference is C-1002.")  # the draft's own reference
        reference = "C-1002"
        # Sarah, the DSL, names Dan as its subject; Laura, who raised it, still hears each step.
        await phones.sent(SARAH, f"Concern {reference}")
        await phones.send(SARAH, f"SUBJECT {reference} Dan Hughes")
        await phones.sent(SARAH, f"Dan Hughes is marked as the subject of {reference}")
        await phones.send(SARAH, f"ACK {reference}")
        await phones.sent(LAURA, f"Sarah Jones is looking at your concern {reference}.")

        # Words that suggest harm reach the DSL at once, whatever else happens to them.
        await phones.send(LAURA, "Amelia said daddy hits her when she cries")
        flagged = await phones.sent(SARAH, "SAFEGUARDING S-")
        await phones.send(SARAH, f"ACK {flagged.split()[1].rstrip(',')}")
        await phones.sent(SARAH, "acknowledged by you")
