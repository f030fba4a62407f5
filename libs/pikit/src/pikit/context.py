"""What caused the work in hand, for the events that work makes.

Set where work enters a process (an HTTP request: ``pikit.auth.PrincipalMiddleware``; a
consumed message: ``pikit.bus``) and read by ``pikit.events.new_event``, so every event
names the principal whose request started the chain of work, however many hops later.
"""

from __future__ import annotations

from contextvars import ContextVar

#: The acting principal as events name it (``user:ops@example.com``, ``key:ci-nightly``), or None.
principal: ContextVar[str | None] = ContextVar("principal", default=None)
