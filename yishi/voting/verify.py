"""Re-count a published ballot from its bulletin-board export alone.

    python -m yishi.voting.verify BOARD.json [--receipt CODE]

Standard library only (plus PyNaCl to check a sealed ballot's published key): no Django, no
database, no trust in the platform. It checks that every
ballot on the board is valid under the published rules, that no receipt appears twice, and
that counting them again gives the published result. With --receipt it also finds your ballot
(by the short code or the full hash on your receipt)."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

from . import count


def verify_sealed(board: dict) -> list[str]:
    """A sealed ballot's board (format 2): every tracking code is the hash of its ciphertext,
    there are as many decrypted ballots as ciphertexts, and — when the tellers published the
    key — each ciphertext decrypts to a member of the published multiset of ballots."""
    import base64
    import hashlib

    problems: list[str] = []
    ciphertexts = board["ciphertexts"]
    codes = Counter(c["tracking_code"] for c in ciphertexts)
    problems += [f"tracking code {code} appears {n} times" for code, n in codes.items() if n > 1]
    raw = []
    for entry in ciphertexts:
        data = base64.b64decode(entry["ciphertext"])
        raw.append(data)
        if hashlib.sha256(data).hexdigest() != entry["tracking_code"]:
            problems.append(f"tracking code {entry['tracking_code'][:12]} is not the hash of "
                            "its ciphertext")
    if len(ciphertexts) != len(board["ballots"]):
        problems.append(f"{len(ciphertexts)} ciphertexts but {len(board['ballots'])} decrypted "
                        "ballots")
    if board.get("private_key") and not problems:
        from . import sealing  # PyNaCl is needed only to check a published key

        private = sealing.PrivateKey(bytes.fromhex(board["private_key"]))
        if bytes(private.public_key).hex() != board["public_key"]:
            problems.append("the published private key does not match the public key")
            return problems
        box = sealing.unsealer(private)
        published = Counter(count.canonical(b["content"]) for b in board["ballots"])
        opened = Counter()
        for data in raw:
            try:
                opened[count.canonical(sealing.open_sealed(box, data))] += 1
            except ValueError:
                problems.append("a ciphertext does not decrypt with the published key")
        if opened != published:
            problems.append("the ciphertexts do not decrypt to the published ballots")
    return problems


def verify(board: dict) -> list[str]:
    """Problems found; an empty list means the board checks out."""
    problems: list[str] = []
    spec = board["ballot"]
    if "ciphertexts" in board:
        problems += verify_sealed(board)
        board = {**board, "ballots": [{"receipt": b["id"], **b} for b in board["ballots"]]}
    receipts = Counter(b["receipt"] for b in board["ballots"])
    for receipt, n in receipts.items():
        if n > 1:
            problems.append(f"receipt {receipt} appears {n} times")
    contents = []
    for entry in board["ballots"]:
        try:
            contents.append(count.validate(spec, entry["content"]))
        except count.InvalidBallot as exc:
            problems.append(f"ballot {entry['receipt'][:12]} is invalid: {exc}")
    if problems:
        return problems
    recomputed = count.tally(spec, contents)
    published = board.get("result")
    if published is None:
        problems.append("the board has no published result")
    elif json.dumps(recomputed, sort_keys=True) != json.dumps(published, sort_keys=True):
        for key in sorted(set(recomputed) | set(published)):
            if recomputed.get(key) != published.get(key):
                problems.append(f"{key}: published {published.get(key)!r}, "
                                f"recomputed {recomputed.get(key)!r}")
    return problems


def find_receipt(board: dict, code: str) -> dict | None:
    """The board's entry for a receipt: on a sealed board the ciphertext with that tracking
    code (it shows the ballot was counted, not what it says), else the ballot itself."""
    wanted = code.replace("-", "").replace(" ", "").lower()
    if "ciphertexts" in board:
        entries, field = board["ciphertexts"], "tracking_code"
    else:
        entries, field = board["ballots"], "receipt"
    for entry in entries:
        if entry[field].startswith(wanted):
            return entry
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m yishi.voting.verify", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("board", help="the bulletin board as JSON (board.json)")
    parser.add_argument("--receipt", help="the receipt code of your ballot")
    args = parser.parse_args(argv)
    try:
        with open(args.board, encoding="utf-8") as handle:
            board = json.load(handle)
        spec, ballots = board["ballot"], board["ballots"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"cannot read the board: {exc}", file=sys.stderr)
        return 2
    print(f"Ballot: {spec.get('title', '')} ({spec['method']}, {len(ballots)} ballots)")
    if args.receipt and "ciphertexts" in board:
        wanted = args.receipt.replace("-", "").replace(" ", "").lower()
        if not any(c["tracking_code"].startswith(wanted) for c in board["ciphertexts"]):
            print(f"Tracking code {args.receipt}: NOT on the board")
            return 1
        print(f"Tracking code {args.receipt}: on the board (recorded and counted)")
    elif args.receipt:
        entry = find_receipt(board, args.receipt)
        if entry is None:
            print(f"Receipt {args.receipt}: NOT on the board")
            return 1
        print(f"Receipt {args.receipt}: on the board, content {count.canonical(entry['content'])}")
    problems = verify(board)
    if problems:
        print("MISMATCH: the board does not support the published result:")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    if "ciphertexts" in board:
        checked = ("each ciphertext decrypts with the published key to a published ballot"
                   if board.get("private_key") else "the key was not published")
        print(f"OK: {len(board['ciphertexts'])} tracking codes, {len(ballots)} decrypted "
              f"ballots; {checked}.")
    print("OK: the published result matches a re-count of every ballot on the board.")
    winners = board["result"].get("winners")
    if winners is not None:
        print("Selected: " + ", ".join(winners))
    return 0


if __name__ == "__main__":
    sys.exit(main())
