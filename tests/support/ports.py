"""Loopback ports for test servers that are stopped and started again on the same port.

A port from ``bind(("127.0.0.1", 0))`` comes from the kernel's ephemeral range, which
every other socket on the machine draws from too (bind to port 0, and the source port of
every outgoing connection). While a restartable test server is down, another xdist worker
or another test run could be given its port, and the test would then talk to a stranger,
or fail to start again. So these ports come from below the ephemeral range, where the
kernel hands out none, from a slice of its own for each xdist worker; a random one in the
slice (two runs on one machine rarely meet) that nothing listens on.
"""

from __future__ import annotations

import os
import random
import re
import socket
from pathlib import Path

_LOW, _HIGH = 20000, 32000  # below Linux's default ephemeral range (32768-60999)
_SLICE = 600
_used: set[int] = set()


def _ephemeral_low() -> int:
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default; macOS and Windows start at 49152
    return low


def _slice() -> range | None:
    worker = re.fullmatch(r"gw(\d+)", os.environ.get("PYTEST_XDIST_WORKER", ""))
    index = int(worker.group(1)) + 1 if worker else 0
    count = (_HIGH - _LOW) // _SLICE
    start = _LOW + (index % count) * _SLICE
    if start + _SLICE > _ephemeral_low():
        return None  # a machine whose ephemeral range reaches down here: take the kernel's
    return range(start, start + _SLICE)


def _bindable(port: int) -> bool:
    try:
        socket.create_server(("127.0.0.1", port)).close()  # SO_REUSEADDR, as servers bind
    except OSError:
        return False
    return True


def restartable_port() -> int:
    """A free loopback port that no other worker or the kernel will hand out."""
    ports = _slice()
    if ports is not None:
        for port in random.sample(ports, 50):
            if port not in _used and _bindable(port):
                _used.add(port)
                return port
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])
