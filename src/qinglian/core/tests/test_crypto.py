"""The crypto module: known answers for both suites, and encryption that survives a suite switch."""

from __future__ import annotations

import base64
import hashlib

import pytest

from qinglian.core import crypto

# FIPS 180-2 and GB/T 32905-2016 (examples 1 and 2)
DIGESTS = [
    ("intl", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ("gm", "abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
    ("gm", "abcd" * 16, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"),
]

# RFC 4231 test case 2 for HMAC-SHA-256; HMAC-SM3 of the same input, checked below against the
# HMAC construction (RFC 2104) built by hand on the SM3 digest.
MACS = [
    ("intl", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    ("gm", "2e87f1d16862e6d964b50a5200bf2b10b764faa9680a296a2405f24bec39f882"),
]
KEY, MESSAGE = "Jefe", "what do ya want for nothing?"


@pytest.mark.parametrize(("name", "data", "expected"), DIGESTS)
def test_digest_known_answers(settings, name, data, expected):
    settings.CRYPTO_SUITE = name
    assert crypto.digest(data) == expected
    assert crypto.digest(data.encode()) == expected


def test_digest_can_name_the_suite_whatever_is_configured(settings):
    settings.CRYPTO_SUITE = "intl"
    assert crypto.digest("abc", algorithm="gm") == DIGESTS[1][2]


def test_digest_of_chinese_text_hashes_its_utf8_bytes(settings):
    settings.CRYPTO_SUITE = "intl"
    assert crypto.digest("清廉") == "727e6a2af5d9c240e44ed2c779dd4b957cf692407febe245299a971027c3f601"


@pytest.mark.parametrize(("name", "expected"), MACS)
def test_mac_known_answers(settings, name, expected):
    settings.CRYPTO_SUITE = name
    assert crypto.mac(MESSAGE, key=KEY) == expected


def _hmac_by_hand(hash_name: str, key: bytes, message: bytes) -> str:
    block = 64  # both SHA-256 and SM3 work on 512-bit blocks
    key = key.ljust(block, b"\0")
    inner = hashlib.new(hash_name, bytes(b ^ 0x36 for b in key) + message).digest()
    return hashlib.new(hash_name, bytes(b ^ 0x5C for b in key) + inner).hexdigest()


@pytest.mark.parametrize(("name", "hash_name"), [("intl", "sha256"), ("gm", "sm3")])
def test_mac_is_hmac_over_the_suites_hash(settings, name, hash_name):
    settings.CRYPTO_SUITE = name
    assert crypto.mac(MESSAGE, key=KEY) == _hmac_by_hand(hash_name, KEY.encode(), MESSAGE.encode())
    assert crypto.mac(MESSAGE, key="another key") != crypto.mac(MESSAGE, key=KEY)


@pytest.mark.parametrize("name", ["intl", "gm"])
@pytest.mark.parametrize("text", ["110101199003071234", "举报人：王某", ""])
def test_encrypt_decrypt_round_trip(settings, name, text):
    settings.CRYPTO_SUITE = name
    stored = crypto.encrypt(text)
    assert stored.startswith(f"{name}:")
    assert text == "" or text not in stored
    assert crypto.decrypt(stored) == text


def test_encrypting_twice_gives_different_ciphertexts(settings):
    assert crypto.encrypt("110101199003071234") != crypto.encrypt("110101199003071234")


def _flip(stored: str, index: int) -> str:
    name, _, blob = stored.partition(":")
    raw = bytearray(base64.urlsafe_b64decode(blob))
    raw[index] ^= 0x01
    return f"{name}:{base64.urlsafe_b64encode(bytes(raw)).decode()}"


@pytest.mark.parametrize("name", ["intl", "gm"])
@pytest.mark.parametrize("index", [0, 12, 28, -1], ids=["nonce", "tag", "first-byte", "last-byte"])
def test_tampered_ciphertext_raises_crypto_error(settings, name, index):
    settings.CRYPTO_SUITE = name
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt(_flip(crypto.encrypt("110101199003071234"), index))


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "no-prefix",
        "rot13:abcd",
        "intl:",
        "intl:abc",  # not valid base64
        "intl:!!!!",
        "gm:AAAA",  # far too short to hold nonce and tag
        "intl:密文",  # not even ASCII
    ],
)
def test_unreadable_values_raise_crypto_error(stored):
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt(stored)


def test_a_different_data_key_cannot_decrypt(settings):
    stored = crypto.encrypt("秘密")
    settings.DATA_KEY = "another data key"
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt(stored)


@pytest.mark.parametrize(("before", "after"), [("intl", "gm"), ("gm", "intl")])
def test_values_stay_readable_after_switching_suites(settings, before, after):
    settings.CRYPTO_SUITE = before
    stored = crypto.encrypt("110101199003071234")
    settings.CRYPTO_SUITE = after
    assert crypto.decrypt(stored) == "110101199003071234"
    assert crypto.encrypt("x").startswith(f"{after}:")


def test_blind_index_matches_regardless_of_case_and_spaces():
    assert crypto.blind_index(" 11010119900307123x ") == crypto.blind_index("11010119900307123X")
    assert crypto.blind_index("11010119900307123X") != crypto.blind_index("110101199003071234")


@pytest.mark.parametrize("name", ["intl", "gm"])
def test_self_test_passes(settings, name):
    settings.CRYPTO_SUITE = name
    assert crypto.self_test() == []
