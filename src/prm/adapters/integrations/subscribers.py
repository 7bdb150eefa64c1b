"""The subscribers of inbound events, by event code, built from a registry of classes."""

from collections.abc import Awaitable, Callable, Mapping, Sequence

from prm.application.integrations.ports import IntegrationEventSubscriber, IntegrationEventSubscribers

SubscriberClass = type[IntegrationEventSubscriber]
Resolve = Callable[[SubscriberClass], Awaitable[IntegrationEventSubscriber]]


class RegisteredSubscribers(IntegrationEventSubscribers):
    """``registry`` maps an event code to subscriber classes (``"*"``: every code, after the
    code's own); ``resolve`` builds one in the processing unit of work (the container's REQUEST
    scope), only when an event of its code comes."""

    def __init__(self, registry: Mapping[str, Sequence[SubscriberClass]], resolve: Resolve) -> None:
        self._registry = registry
        self._resolve = resolve
        self._built: dict[SubscriberClass, IntegrationEventSubscriber] = {}

    async def for_code(self, event_code: str) -> Sequence[IntegrationEventSubscriber]:
        classes = [*self._registry.get(event_code, ()), *self._registry.get("*", ())]
        found = []
        for cls in dict.fromkeys(classes):
            if cls not in self._built:
                self._built[cls] = await self._resolve(cls)
            found.append(self._built[cls])
        return found
