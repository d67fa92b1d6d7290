from django.core.management.base import BaseCommand, CommandError

from yishi.opinions import stats


class Command(BaseCommand):
    help = ("Recompute the opinion statistics' summary from the opinions (after a restore or a "
            "change made with the triggers off); --check compares it with the opinions first "
            "and only reports; --compact folds the summary per street and day.")

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true")
        parser.add_argument("--compact", action="store_true")

    def handle(self, *args, check=False, compact=False, **options):
        if check:
            differ = stats.summary_differences()
            for line in differ:
                self.stdout.write(line)
            if differ:
                raise CommandError(f"{len(differ)} street-months differ from the opinions")
            self.stdout.write("The summary agrees with the opinions.")
            return
        if compact:
            self.stdout.write(f"Folded {stats.compact()} rows.")
            return
        self.stdout.write(f"Rebuilt: {stats.rebuild()} street-days.")
