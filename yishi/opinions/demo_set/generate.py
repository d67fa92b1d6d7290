"""Make the demo's labelled set of residents' opinions: ``yishi/opinions/data/demo_opinions.csv``.

    .venv/bin/python -m yishi.opinions.demo_set.generate [--out FILE] [--seed N]

Deterministic (fixed seed): the same command always writes the same file. Columns
``id,title,text,category,department,street`` (UTF-8). Every opinion is invented; the streets,
towns and communities are Xihu District's, the residential compounds and shops are made up.

How a text is built, so that the set is not separable by one keyword:

- each category has many problem sentences, details and requests, with slots (road, compound,
  building, time, number, duration) filled at random, and its own department rule (a default
  department and, per sentence, another where the matter is another section's);
- a third of the opinions also carry a sentence from a *neighbouring* category (parking in a
  property complaint, construction noise in an illegal-building one, the lift in an old-estate
  renovation, rubbish in a river complaint, ...), as residents mix matters in real messages;
- openings, history ("打过12345，也找过网格员"), impact and requests are shared by all categories,
  and one title in six says nothing about the matter ("关于小区的问题反映", "急！！");
- lengths vary from one short sentence to a paragraph of six or seven.

A held-out split of a synthetic set like this one is easier than real messages: the test
opinions reuse the training set's sentence stock. Read its accuracy as a check that the
classifier works, not as the accuracy on real data.
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

from .stock import CATEGORIES, SEED, SLOTS, STREET_WEIGHTS, STREETS

DATA = Path(__file__).resolve().parent.parent / "data"

# Shared by every category.
OPENINGS = ["您好，", "你好，", "领导好，", "我是{comm}的居民，", "本人住在{xq}{bldg}，",
            "我是{street}{comm}的一名居民，", "反映一个问题：", "向人大代表反映一件事：",
            "各位领导，", "我住在{xq}，", "在代表联络站接待日向代表反映：", "我们是{xq}的业主，"]
HISTORY = ["之前打过12345，也跟网格员说过，一直没有解决。", "已经反映过{n}次了，每次都说在处理。",
           "社区说不归他们管，让我们找街道。", "上次有人来看了一下就再也没有下文。",
           "在居民议事会上也提过这个问题。", "物业说要找社区，社区说要找街道，踢皮球。",
           "在浙里办上提交过，回复说已转交相关部门。"]
IMPACTS = ["给居民生活带来很大不便。", "{who}尤其受影响。", "大家意见很大。", "存在很大的安全隐患。",
           "已经持续{dur}了。", "严重影响了休息。", "周边好几个小区都有这个问题。"]
CLOSINGS = ["谢谢！", "麻烦了，谢谢。", "盼复。", "望尽快答复。", "辛苦了！", "", "", ""]
VAGUE_TITLES = ["关于{xq}的问题反映", "{comm}居民反映的问题", "急！！", "一个建议", "希望领导重视",
                "反映情况", "{street}{comm}居民来信", "问题反映", "请求帮助"]


class Slots(dict):
    """Slot values for one opinion: each name is drawn once and then reused."""

    def __init__(self, rng: random.Random, street: str, community: str):
        super().__init__(street=street, comm=community)
        self.rng = rng

    def __missing__(self, key):
        value = SLOTS[key](self.rng)
        self[key] = value
        return value


def fill(template: str, slots: Slots) -> str:
    return template.format_map(slots)


def split_department(sentence: str, default: str) -> tuple[str, str]:
    text, _, department = sentence.partition("|")
    return text, department or default


# Residents say the same thing in different words: each occurrence of a key may become one of
# its variants, so the test split does not meet the training sentences verbatim.
VARIANTS = {
    "电瓶车": ["电动车", "电动自行车", "电瓶车"], "小区": ["小区", "院子里", "我们小区", "小区"],
    "希望": ["希望", "建议", "恳请", "请求", "盼望"], "很": ["很", "非常", "特别", "十分"],
    "特别": ["特别", "非常", "尤其"], "太": ["太", "实在太", "真的太"], "一直": ["一直", "始终", "总是"],
    "物业": ["物业", "物业公司", "物管"], "居民": ["居民", "住户", "老百姓", "群众"],
    "晚上": ["晚上", "夜里", "夜间"], "危险": ["危险", "不安全", "有隐患"],
    "没人": ["没有人", "没人", "无人"], "老人": ["老人", "老年人", "老人家"],
    "孩子": ["孩子", "小孩", "小朋友"], "反映": ["反映", "投诉", "说"], "严重": ["严重", "厉害"],
    "尽快": ["尽快", "早日", "抓紧", "赶紧"], "处理": ["处理", "解决", "整治"],
}
_VARIANT_KEYS = sorted(VARIANTS, key=len, reverse=True)


def vary(text: str, rng: random.Random) -> str:
    out, i = [], 0
    while i < len(text):
        for key in _VARIANT_KEYS:
            if text.startswith(key, i):
                out.append(rng.choice(VARIANTS[key]) if rng.random() < 0.5 else key)
                i += len(key)
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


GENERIC_PROBLEMS = ["这个问题反映了很多次都没人管，居民意见很大。", "{xq}的问题拖了{dur}还是老样子。",
                    "上次代表接待日说过的事情到现在也没有落实。", "我们{comm}这件事情麻烦领导重视一下。"]


def make_opinion(rng: random.Random, name: str, streets: list[str], weights: list[int]):
    spec = CATEGORIES[name]
    street = rng.choices(streets, weights)[0]
    slots = Slots(rng, street, rng.choice(STREETS[street]))
    problem, department = split_department(rng.choice(spec["problems"]), spec["department"])
    near_name = rng.choice(spec["near"])
    side = split_department(rng.choice(CATEGORIES[near_name]["problems"]), "")[0]
    category_label = name
    length = rng.random()
    parts = []
    if rng.random() < 0.03:  # says nothing of the matter: staff knew it from a call
        parts.append(fill(rng.choice(GENERIC_PROBLEMS), slots))
    elif length < 0.15:  # one sentence, as typed on a phone
        parts.append(fill(problem, slots))
    else:
        if rng.random() < 0.6:
            parts.append(fill(rng.choice(OPENINGS), slots))
        mixed = rng.random() < 0.4  # a neighbouring matter mixed in, before or after
        if mixed and rng.random() < 0.4:
            parts.append(fill(side, slots))
            parts.append(rng.choice(["更主要的是，", "但最要紧的是，", "另外，", ""]) + fill(problem, slots))
        else:
            parts.append(fill(problem, slots))
            if mixed:
                parts.append(rng.choice(["另外，", "顺便说一下，", "还有就是", ""]) + fill(side, slots))
        details = rng.sample(spec["details"], rng.choice([0, 1, 1, 2]))
        if details:
            parts.append("，".join(fill(d, slots) for d in details) + "。")
        if length > 0.55:
            if rng.random() < 0.5:
                second = split_department(rng.choice(spec["problems"]), "")[0]
                if second != problem:
                    parts.append("还有，" + fill(second, slots))
            parts.append(fill(rng.choice(IMPACTS), slots))
        if rng.random() < 0.4:
            parts.append(fill(rng.choice(HISTORY), slots))
        ask = rng.choice(spec["asks"]) if rng.random() < 0.7 else rng.choice(
            ["希望相关部门尽快处理", "请相关部门重视", "希望给个说法", "请代表帮忙督促"])
        parts.append(fill(ask, slots) + "。" + rng.choice(CLOSINGS))
        if mixed and rng.random() < 0.12:
            # Staff filed it under the other matter, as happens with mixed messages.
            category_label = near_name
            department = CATEGORIES[near_name]["department"]
    text = vary("".join(parts), rng)
    if rng.random() < 0.2:
        title = fill(rng.choice(VAGUE_TITLES), slots)
    else:
        title = vary(fill(rng.choice(spec["titles"]), slots), rng)
    if rng.random() < 0.1:
        department = rng.choice([spec["department"], "党政综合办公室"])  # coordinated by the office
    return title, text, category_label, department, street


def make(seed: int = SEED) -> list[dict]:
    rng = random.Random(seed)
    streets = list(STREETS)
    weights = [STREET_WEIGHTS.get(s, 1) for s in streets]
    rows = []
    for name in CATEGORIES:
        for _ in range(rng.randint(70, 120)):
            title, text, label, department, street = make_opinion(rng, name, streets, weights)
            rows.append({"title": title, "text": text, "category": label,
                         "department": department, "street": street})
    rng.shuffle(rows)
    for n, row in enumerate(rows, 1):
        row["id"] = f"D{n:05d}"
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(DATA / "demo_opinions.csv"))
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    rows = make(args.seed)
    with open(args.out, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, ["id", "title", "text", "category", "department", "street"])
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} opinions in {len(CATEGORIES)} categories → {args.out}")


if __name__ == "__main__":
    main()
