"""Signals other apps send so that core-level consumers can react without the sender
importing them (arrows point down: councils and projects do not import deputies)."""

from django.dispatch import Signal

# A person did something that counts as a deputy's duty (履职): attended a council meeting,
# logged a supervision visit on a project, took part in a round table. The deputies app
# registers it automatically as a confirmed duty activity when the person is a deputy.
# Arguments: user, kind (a deputies ActivityKind value: "meeting", "supervision", ...), date,
# description, source_key (a stable string such as "councils.meeting:12" so that sending the
# same event twice registers it once).
duty_performed = Signal()

# A duty sent with `duty_performed` did not happen after all (a mistaken sign-in undone at the
# desk): the automatic record of it is taken back. Arguments: user, source_key.
duty_withdrawn = Signal()
