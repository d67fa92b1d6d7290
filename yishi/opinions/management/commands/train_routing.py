from django.core.management.base import BaseCommand

from yishi.opinions.routing_model import train_and_store


class Command(BaseCommand):
    help = "Train the routing suggester on handled opinions (and the demo set while few)."

    def add_arguments(self, parser):
        parser.add_argument("--with-demo", action="store_true",
                            help="always add the demo's labelled opinions")

    def handle(self, *args, with_demo=False, **options):
        model = train_and_store(include_demo=True if with_demo else None)
        self.stdout.write(f"Routing model trained on {model.records} opinions.")
