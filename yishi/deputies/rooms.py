"""Where an online reception (云接待) takes place. A video service cannot be had on every
intranet, so the room sits behind this small interface: the default is a text conversation in
the platform itself (`LocalRoom`); `YISHI_RECEPTION_ROOM = "external"` with
`YISHI_RECEPTION_ROOM_URL` (a template such as "https://meet.example.gov.cn/yishi-{session}-{booking}")
sends both sides to the provider's meeting instead."""

from abc import ABC, abstractmethod

from django.conf import settings
from django.utils.module_loading import import_string


class ReceptionRoom(ABC):
    #: whether the platform's own conversation is used
    local: bool

    @abstractmethod
    def meeting_url(self, booking) -> str:
        """The address of the meeting for this resident's turn ("" for the local room)."""


class LocalRoom(ReceptionRoom):
    local = True

    def meeting_url(self, booking) -> str:
        return ""


class ExternalRoom(ReceptionRoom):
    local = False

    def __init__(self, template: str):
        if "{session}" not in template and "{booking}" not in template:
            raise ValueError("YISHI_RECEPTION_ROOM_URL needs {session} or {booking}")
        self.template = template

    def meeting_url(self, booking) -> str:
        return self.template.format(session=booking.session_id, booking=booking.pk)


def room() -> ReceptionRoom:
    choice = getattr(settings, "YISHI_RECEPTION_ROOM", "local")
    if choice == "local":
        return LocalRoom()
    if choice == "external":
        return ExternalRoom(settings.YISHI_RECEPTION_ROOM_URL)
    return import_string(choice)()
