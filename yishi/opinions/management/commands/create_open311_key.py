import secrets

from django.core.management.base import BaseCommand, CommandError

from yishi.core.models import Unit, UnitKind
from yishi.opinions.models import Open311Key


class Command(BaseCommand):
    help = "Create an Open311 API key for a street; the key is printed once, only its hash kept."

    def add_arguments(self, parser):
        parser.add_argument("--street", required=True, help="the street's code, e.g. 330106002")
        parser.add_argument("--name", required=True, help="who the key is for")

    def handle(self, *args, street, name, **options):
        unit = Unit.objects.filter(code=street, kind__in=[UnitKind.STREET, UnitKind.TOWN]).first()
        if unit is None:
            raise CommandError(f"No street or town with code {street}.")
        key = secrets.token_urlsafe(24)
        Open311Key.objects.create(name=name, street=unit, key_hash=Open311Key.hash(key))
        self.stdout.write(f"Open311 API key for {unit.name} ({name}): {key}")
