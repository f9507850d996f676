"""Demo and test upstreams: fake LLM providers speaking real wire formats, and a traffic driver.

* :func:`run_fake_provider` / :class:`FakeProvider` serve OpenAI, Anthropic, Gemini
  and Ollama formats from one loopback server (see :mod:`lookout.demo.fake_server`);
* :func:`drive_traffic` sends a realistic mix through a Lookout proxy
  (see :mod:`lookout.demo.traffic`).
"""

from lookout.demo.fake_server import FakeProvider, ReceivedRequest, run_fake_provider
from lookout.demo.traffic import TrafficSummary, drive_traffic

__all__ = [
    "FakeProvider",
    "ReceivedRequest",
    "TrafficSummary",
    "drive_traffic",
    "run_fake_provider",
]
