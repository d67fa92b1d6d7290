"""pabutools 1.2.3 as a whole process, for bench/tally.py --whole: parse a .pb file, run one rule
with the setup the shared expected.json was made with, print the selected ids one per line
(the same output as ``python -m yishi.voting.tally FILE --rule RULE``).

    .venv/bin/python bench/pabutools_tally.py FILE RULE
"""

import sys

from pabutools.election import Cost_Sat, parse_pabulib
from pabutools.rules import (
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)


def main(path: str, rule: str) -> None:
    instance, profile = parse_pabulib(path)
    multi = profile.as_multiprofile()
    mes = {"sat_class": Cost_Sat}
    if rule.startswith("mes-add1"):
        mes["voter_budget_increment"] = 1
    if rule == "greedy":
        result = greedy_utilitarian_welfare(instance, multi, sat_class=Cost_Sat)
    elif rule in ("mes", "mes-add1"):
        result = method_of_equal_shares(instance, multi, **mes)
    else:
        result = completion_by_rule_combination(
            instance, multi, [method_of_equal_shares, greedy_utilitarian_welfare],
            [mes, {"sat_class": Cost_Sat}])
    sys.stdout.write("".join(p.name + "\n" for p in result))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
