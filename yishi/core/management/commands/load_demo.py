import importlib

from django.apps import apps
from django.core.management.base import BaseCommand

from yishi.core import demo


class Command(BaseCommand):
    help = "Load the Xihu District demo (deterministic and idempotent); --scale N adds N residents."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=0,
                            help="make sure this many extra demo residents exist (bulk insert)")
        parser.add_argument("--quiet", action="store_true", help="do not print the demo logins")
        parser.add_argument("--opinions-year", type=int, default=None,
                            help="how many opinions the demo's year holds (default: the setting "
                                 "YISHI_DEMO_OPINIONS_YEAR, else 4000; 0 for none)")

    def handle(self, *args, scale=0, quiet=False, opinions_year=None, **options):
        if opinions_year is not None:
            from django.test.utils import override_settings

            with override_settings(YISHI_DEMO_OPINIONS_YEAR=opinions_year):
                return self.handle(*args, scale=scale, quiet=quiet, **options)
        district, streets = demo.load_units()
        logins = demo.load_people(district, streets)
        for config in apps.get_app_configs():
            if config.name.startswith("yishi.") and config.name != "yishi.core":
                try:
                    module = importlib.import_module(f"{config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.demo":
                        raise
                    continue
                module.load(self.stdout)
        if scale:
            created, seconds = demo.load_scale(scale)
            self.stdout.write(
                f"Scale: {created} residents added ({scale} requested) in {seconds:.1f} s"
            )
        if not quiet:
            self.stdout.write(self.style.SUCCESS("Xihu demo loaded. Demo logins:"))
            for role, unit, mobile, how in logins.rows:
                self.stdout.write(f"  {role:<36} {unit:<16} {mobile}  ({how})")
            self.stdout.write(
                f"  Staff password: {demo.DEMO_PASSWORD} — on first sign-in, staff enrol an "
                "authenticator app (TOTP). Residents, deputies and council members get an SMS "
                "code, printed in the server's terminal in development."
            )
