"""A delivery process's leased deliveries waiting for a sender thread, queued per target host in
lease order: finding the next one that may go costs a look per host, not one per waiting
delivery, and the hosts take turns (the one just served goes to the back)."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable

from .delivery_rounds import Leased, Slot


class Backlog:
    def __init__(self) -> None:
        self._by_host: dict[Slot, deque[Leased]] = {}
        self._by_tenant: Counter[Slot] = Counter()
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def extend(self, leased: Iterable[Leased]) -> None:
        for one in leased:
            self._by_host.setdefault(one.slots[0], deque()).append(one)
            self._by_tenant[one.slots[1]] += 1
            self._size += 1

    def next_for(self, full: set[Slot]) -> Leased | None:
        """Take out the first waiting delivery, host by host in turn, whose host and tenant
        have a free slot; a host's deliveries go in their order (one subject's stay in order)."""
        for host, waiting in self._by_host.items():
            if host in full or waiting[0].slots[1] in full:
                continue
            leased = waiting.popleft()
            del self._by_host[host]
            if waiting:
                self._by_host[host] = waiting  # to the back: the next host goes first
            self._by_tenant[leased.slots[1]] -= 1
            if self._by_tenant[leased.slots[1]] <= 0:
                del self._by_tenant[leased.slots[1]]
            self._size -= 1
            return leased
        return None

    def waiting_on(self, full: set[Slot]) -> int:
        """About how many wait for a host or tenant that has no free slot now."""
        on_hosts = sum(len(self._by_host.get(slot, ())) for slot in full)
        on_tenants = sum(self._by_tenant[slot] for slot in full if slot[0] == "tenant")
        return min(on_hosts + on_tenants, self._size)

    def tenants_holding(self, at_least: int) -> frozenset[str]:
        """The tenants with at least this many waiting: the next lease skips them."""
        return frozenset(slot[1] for slot, count in self._by_tenant.items() if count >= at_least)

    def drain(self) -> list[Leased]:
        """Every waiting delivery, taken out."""
        waiting = [leased for queue in self._by_host.values() for leased in queue]
        self._by_host.clear()
        self._by_tenant.clear()
        self._size = 0
        return waiting
