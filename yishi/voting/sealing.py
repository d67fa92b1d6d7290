"""Sealing secret ballots: the key pair of a ballot, its tellers' shares, encryption at cast and
decryption at the count. No Django import: the verifier uses the same code.

The ballot's X25519 key pair is made by PyNaCl; ballots are sealed to the public key with
`SealedBox` (an anonymous sender, so the server cannot later prove who sealed what). The
private key is split at once into SLIP-39 shares (`shamir-mnemonic`): word lists that a teller
can print or copy by hand, each with its own checksum, of which `threshold` rebuild the key.
The private key object is dropped as soon as it is split; it exists again only for the count.

Every sealed content is padded to one length for the whole ballot, so the size of a ciphertext
says nothing about what is inside ("yes" and "abstain" would otherwise differ)."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass

import shamir_mnemonic
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

from . import count


class ShareError(ValueError):
    """A share that cannot be used: `code` names the problem for the app to say it."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class BallotKey:
    public_key: str          # hex, published on the board
    share_set: int           # SLIP-39 identifier common to the ballot's shares (public)
    shares: list[str]        # one mnemonic per teller, in teller order


def make_key(threshold: int, tellers: int) -> BallotKey:
    """A fresh key pair split among `tellers`, any `threshold` of whom can rebuild it."""
    private = PrivateKey.generate()
    # iteration_exponent 0: the words are never typed with a passphrase, so key stretching
    # protects nothing; it would only slow every demo load and every count.
    groups = shamir_mnemonic.generate_mnemonics(1, [(threshold, tellers)], bytes(private),
                                                b"", extendable=False, iteration_exponent=0)
    shares = groups[0]
    share_set = shamir_mnemonic.Share.from_mnemonic(shares[0]).identifier
    public = bytes(private.public_key).hex()
    del private
    return BallotKey(public, share_set, shares)


def normalise_share(text: str) -> str:
    return " ".join(text.lower().split())


def read_share(text: str, share_set: int) -> int:
    """The member index of a teller's share, after checking its words and checksum and that it
    belongs to this ballot's set."""
    try:
        share = shamir_mnemonic.Share.from_mnemonic(normalise_share(text))
    except (shamir_mnemonic.MnemonicError, ValueError, KeyError):
        raise ShareError("unreadable") from None
    if share.identifier != share_set:
        raise ShareError("other_ballot")
    return share.index


def rebuild_key(shares: list[str], public_key: str) -> PrivateKey:
    """The private key from a quorum of shares, checked against the published public key."""
    try:
        secret = shamir_mnemonic.combine_mnemonics([normalise_share(s) for s in shares])
    except (shamir_mnemonic.MnemonicError, ValueError):
        raise ShareError("do_not_combine") from None
    private = PrivateKey(secret)
    if bytes(private.public_key).hex() != public_key:
        raise ShareError("wrong_key")
    return private


def _max_content(spec: dict) -> dict:
    keys = [o["key"] for o in spec["options"]]
    if spec["method"] in ("choose", "budget"):
        return {"choices": keys}
    longest = max(count.YES_NO + count.SATISFACTION, key=len)
    return {"votes": {k: longest for k in keys}}


def padded_length(spec: dict) -> int:
    """One plaintext length for every ballot of this spec: the longest valid content, rounded
    up to 64 bytes."""
    longest = len(count.canonical(_max_content(spec)).encode())
    return 64 * math.ceil((longest + 1) / 64)


def seal(spec: dict, public_key: str, content: dict) -> bytes:
    text = count.canonical(content).encode()
    text += b" " * (padded_length(spec) - len(text))
    return SealedBox(PublicKey(bytes.fromhex(public_key))).encrypt(text)


def open_raw(box: SealedBox, ciphertext: bytes) -> bytes:
    """The padded plaintext inside one ciphertext; ValueError if it was not sealed to this key."""
    try:
        return box.decrypt(bytes(ciphertext))
    except (CryptoError, TypeError) as exc:
        raise ValueError("not a ballot sealed to this key") from exc


def parse(plaintext: bytes) -> dict:
    try:
        return json.loads(plaintext.decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError("not a ballot") from exc


def open_sealed(box: SealedBox, ciphertext: bytes) -> dict:
    """The content inside one ciphertext; ValueError if it is not a ballot sealed to this key."""
    return parse(open_raw(box, ciphertext))


def unsealer(private: PrivateKey) -> SealedBox:
    return SealedBox(private)


def tracking_code(ciphertext: bytes) -> str:
    """What the voter keeps and the board lists: the hash of the ciphertext, nothing more."""
    return hashlib.sha256(bytes(ciphertext)).hexdigest()
