"""Instructions the engine runs while a user waits on a call, counted by callgrind.

Timings on a shared VM drift by a factor of two within an hour; instruction
counts do not. This drives the engine of ``bench_hotpath`` (real server,
handler and upstream code on in-memory transports, ~2 KB each way) under
valgrind's callgrind, counting only the two stretches a call waits on:

- ``to upstream``: from the request's bytes arriving to the upstream write,
  for a call with an API key (as SDKs send) and one without (as ``lookout
  bench`` sends, so that the stored key is looked up);
- ``to client``: from the answer's bytes arriving to the client write.

What the engine does for the record in between is left out. The counts repeat
to within about 0.3 %, so a change worth a thousand instructions shows.

Why instructions: in ``lookout bench`` these stretches take 3–5 times their
in-memory time, because each call finds the engine's code and data out of the
CPU caches after an idle wait. Less code run on the way through is what
shortens them, and this measures exactly that.

Needs valgrind, its ``callgrind.h`` and a C compiler: the counting is switched
on and off by a two-line C helper, built on the fly.

Run: ``python -m tests.proxy.bench_instructions [calls]``
"""

from __future__ import annotations

import asyncio
import ctypes
import math
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import uvloop

from lookout.keys import vault
from tests.proxy.bench_hotpath import REQUEST, RESPONSE, wire_engine

TOGGLE_C = "#include <valgrind/callgrind.h>\nvoid toggle(void) { CALLGRIND_TOGGLE_COLLECT; }\n"
WARM_UP = 200
UNTIL_IDLE = 5  # loop turns after the upstream write; the engine needs two to be waiting
STRETCHES = {
    "to-upstream": "to upstream (request in -> upstream write)",
    "keyless": "  the same, for a call without an API key",
    "to-client": "to client (answer in -> client write)",
}
# As `lookout bench` sends it: the stored key (none, here) is looked up in the cache.
KEYLESS = REQUEST.replace(b"Authorization: Bearer sk-bench\r\n", b"")


async def count_calls(calls: int, stretch: str, toggle: Callable[[], None]) -> None:
    """Run ``calls`` proxied calls, with collection on only during ``stretch`` of each."""
    loop = asyncio.get_running_loop()
    counting = False
    collecting = False
    answered: asyncio.Future[bytes] = loop.create_future()

    def collect(on: bool) -> None:
        nonlocal collecting
        if on != collecting and (counting or not on):
            toggle()
            collecting = on

    def upstream_wrote(_: bytes) -> None:
        collect(False)

    def client_got(data: bytes) -> None:
        collect(False)
        answered.set_result(data)

    request = KEYLESS if stretch == "keyless" else REQUEST
    if request is KEYLESS:
        vault.CACHE_TTL_S = math.inf  # one read for the whole run: callgrind makes it long
        await vault.key_for_proxy("bench")
    client, upstream = wire_engine(upstream_wrote, client_got)
    for call in range(WARM_UP + calls):
        counting = call >= WARM_UP
        answered = loop.create_future()
        collect(stretch in ("to-upstream", "keyless"))
        client.data_received(request)
        # A real upstream answers long after the engine has settled down to wait for it.
        for _ in range(UNTIL_IDLE):
            await asyncio.sleep(0)
        collect(stretch == "to-client")
        upstream.data_received(RESPONSE)
        await answered
        await asyncio.sleep(0)  # the handler finishes its record after the answer


def counted(stretch: str, calls: int, helper: Path) -> float:
    """Instructions per call in ``stretch``, from a callgrind run of this module."""
    output = f"--callgrind-out-file={helper}.{stretch}"
    valgrind = ["valgrind", "--tool=callgrind", "--collect-atstart=no", output]
    inside = ["-m", "tests.proxy.bench_instructions", "--inside", stretch, str(calls), str(helper)]
    run = subprocess.run([*valgrind, sys.executable, *inside], capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", run.stderr)
    if found is None:
        raise RuntimeError(f"callgrind reported no count:\n{run.stderr[-2000:]}")
    return int(found.group(1)) / calls


def build_toggle(where: Path) -> Path:
    source, helper = where / "toggle.c", where / "toggle.so"
    source.write_text(TOGGLE_C)
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", str(helper), str(source)], check=True)
    return helper


def main() -> None:
    if sys.argv[1:2] == ["--inside"]:
        stretch, how_many, library = sys.argv[2], int(sys.argv[3]), sys.argv[4]
        uvloop.run(count_calls(how_many, stretch, ctypes.CDLL(library).toggle))
        return
    missing = [tool for tool in ("valgrind", "cc") if shutil.which(tool) is None]
    if missing:
        sys.exit(f"this benchmark needs valgrind (with its headers) and a C compiler; missing: {missing}")
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    with tempfile.TemporaryDirectory() as where, ThreadPoolExecutor() as pool:
        helper = build_toggle(Path(where))
        counts = pool.map(lambda stretch: counted(stretch, calls, helper), STRETCHES)
        for label, count in zip(STRETCHES.values(), counts, strict=True):
            print(f"{label}: {count:,.0f} instructions per call ({calls} calls)")


if __name__ == "__main__":
    main()
