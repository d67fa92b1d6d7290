"""Paging without counting: big public lists (a million opinions) show "previous / next" and
never run COUNT(*) over the whole table."""


class LightPage(list):
    paginator = None

    def __init__(self, rows, number: int, per_page: int, more: bool):
        super().__init__(rows)
        self.number, self.per_page, self._more = number, per_page, more

    def has_next(self) -> bool:
        return self._more

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def light_page(rows, page: str | None, per_page: int = 20) -> LightPage:
    try:
        number = max(1, min(int(page or 1), 10_000))
    except ValueError:
        number = 1
    start = (number - 1) * per_page
    chunk = list(rows[start:start + per_page + 1])
    return LightPage(chunk[:per_page], number, per_page, len(chunk) > per_page)
