"""Simplified Chinese: Django's formats, except that a form shows a date in ISO form first.

A form field's widget writes its value in the first input format. Django's first for zh-hans is
2026/12/07, which a browser's date picker (<input type="date">, and "datetime-local") refuses:
a date the page filled in (the asset register's "as of" date, a record being edited) came up
empty on every Chinese page. The other forms are still read."""

DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # '2026-12-07': what <input type="date"> sends and shows
    "%Y/%m/%d",  # '2026/12/07'
    "%Y年%m月%d日",  # '2026年12月07日'
]

DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M",  # '2026-12-07 09:30' (datetime-local reads a space as its T)
    "%Y-%m-%dT%H:%M",  # '2026-12-07T09:30': what datetime-local sends
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y年%m月%d日 %H:%M",
]
