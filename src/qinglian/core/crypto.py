"""Every hash, MAC and cipher the application uses, with the algorithm chosen by setting.

QINGLIAN_CRYPTO=intl uses SHA-256, HMAC-SHA-256 and AES-256-GCM; QINGLIAN_CRYPTO=gm uses the
national algorithms SM3, HMAC-SM3 and SM4-GCM (GB/T 32905, GB/T 32907) for agencies that must pass
密评. Callers never name an algorithm, so switching is a setting, not a code change. Stored values
carry a prefix naming the suite that made them, so data written under one suite stays readable.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import secrets

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils.encoding import force_bytes

HASHES = {"intl": "sha256", "gm": "sm3"}


class CryptoError(Exception):
    """A value could not be decrypted: wrong key, unknown suite or tampered ciphertext."""


def suite() -> str:
    return settings.CRYPTO_SUITE


def digest(data: str | bytes, *, algorithm: str | None = None) -> str:
    """Hex digest of data under the configured suite (SHA-256 or SM3)."""
    return hashlib.new(HASHES[algorithm or suite()], force_bytes(data)).hexdigest()


def mac(data: str | bytes, *, key: str | bytes, algorithm: str | None = None) -> str:
    """Hex HMAC of data under the configured suite."""
    return hmac.new(force_bytes(key), force_bytes(data), HASHES[algorithm or suite()]).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(force_bytes(a), force_bytes(b))


def token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def _data_key(name: str) -> bytes:
    return _derived_key(name, settings.DATA_KEY)


@functools.lru_cache(maxsize=8)
def _derived_key(name: str, data_key: str) -> bytes:
    # A 256-bit key per suite, stretched from the configured data key; SM4 takes 128 bits.
    # Cached: a roster import encrypts 100,000 numbers and must not hash the key for each one.
    key = hashlib.new(HASHES[name], force_bytes("qinglian-data-key:" + data_key)).digest()
    return key if name == "intl" else key[:16]


def _algorithm(name: str, key: bytes):
    return algorithms.AES(key) if name == "intl" else algorithms.SM4(key)


def encrypt(plaintext: str) -> str:
    """Authenticated encryption of a short text (an ID number, a reporter's name) for storage.

    Stored as suite:base64(nonce | tag | ciphertext), whichever suite made it.
    """
    name = suite()
    nonce = os.urandom(12)
    data = plaintext.encode("utf-8")
    if name == "intl":
        # The one-shot AEAD class is about five times faster than building a Cipher per value,
        # which a 100,000-row roster import notices.
        sealed = _aesgcm(_data_key(name)).encrypt(nonce, data, None)
        body, tag = sealed[:-16], sealed[-16:]
    else:
        encryptor = Cipher(_algorithm(name, _data_key(name)), modes.GCM(nonce)).encryptor()
        body = encryptor.update(data) + encryptor.finalize()
        tag = encryptor.tag
    blob = base64.urlsafe_b64encode(nonce + tag + body).decode("ascii")
    return f"{name}:{blob}"


def decrypt(stored: str) -> str:
    name, _, blob = stored.partition(":")
    if name not in HASHES or not blob:
        raise CryptoError("unknown cipher suite")
    try:
        # Inside the try: a damaged value may fail already as base64 (or non-ASCII text).
        raw = base64.urlsafe_b64decode(blob.encode("ascii"))
        nonce, tag, body = raw[:12], raw[12:28], raw[28:]
        if name == "intl":
            return _aesgcm(_data_key(name)).decrypt(nonce, body + tag, None).decode("utf-8")
        decryptor = Cipher(_algorithm(name, _data_key(name)), modes.GCM(nonce, tag)).decryptor()
        return (decryptor.update(body) + decryptor.finalize()).decode("utf-8")
    except Exception as exc:  # cryptography raises InvalidTag; any failure means unreadable
        raise CryptoError("cannot decrypt: wrong key or tampered value") from exc


def _gcm_encrypt(name: str, key: bytes, data: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(12)
    if name == "intl":
        return nonce + AESGCM(key).encrypt(nonce, data, aad)
    encryptor = Cipher(_algorithm(name, key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    body = encryptor.update(data) + encryptor.finalize()
    return nonce + body + encryptor.tag


def _gcm_decrypt(name: str, key: bytes, raw: bytes, aad: bytes) -> bytes:
    nonce, body = raw[:12], raw[12:]
    if name == "intl":
        return AESGCM(key).decrypt(nonce, body, aad)
    decryptor = Cipher(_algorithm(name, key), modes.GCM(nonce, body[-16:])).decryptor()
    decryptor.authenticate_additional_data(aad)
    return decryptor.update(body[:-16]) + decryptor.finalize()


def key_fingerprint(key: str) -> str:
    """A short public name of a key, stored beside what it sealed so a wrong or rotated key is named, not guessed."""
    return digest("qinglian-key-fingerprint:" + key)[:12]


def envelope_seal(plaintext: str, *, kek: str) -> tuple[str, str]:
    """Envelope encryption: (ciphertext, wrapped key).

    The text is encrypted under a fresh random data key; the data key is encrypted ("wrapped") under `kek`, a key
    held outside the database (the environment or a key file). Whoever copies the database gets neither.
    """
    name = suite()
    data_key = os.urandom(32 if name == "intl" else 16)
    sealed = _gcm_encrypt(name, data_key, plaintext.encode("utf-8"), b"qinglian-envelope-data")
    wrapped = _gcm_encrypt(name, _derived_key(name, "envelope:" + kek), data_key, b"qinglian-envelope-key")
    cipher = f"{name}:" + base64.urlsafe_b64encode(sealed).decode("ascii")
    key = f"{name}:{key_fingerprint(kek)}:" + base64.urlsafe_b64encode(wrapped).decode("ascii")
    return cipher, key


def envelope_open(cipher: str, wrapped: str, *, kek: str) -> str:
    """The text `envelope_seal` sealed; CryptoError for a wrong key, an unknown suite or a tampered value."""
    name, _, blob = cipher.partition(":")
    key_name, fingerprint, key_blob = [*wrapped.split(":", 2), "", ""][:3]
    if name not in HASHES or key_name != name or not blob or not key_blob:
        raise CryptoError("unknown cipher suite")
    if fingerprint != key_fingerprint(kek):
        raise CryptoError("sealed under another key")
    try:
        data_key = _gcm_decrypt(
            name, _derived_key(name, "envelope:" + kek), base64.urlsafe_b64decode(key_blob), b"qinglian-envelope-key"
        )
        return _gcm_decrypt(name, data_key, base64.urlsafe_b64decode(blob), b"qinglian-envelope-data").decode("utf-8")
    except Exception as exc:
        raise CryptoError("cannot open: wrong key or tampered value") from exc


@functools.lru_cache(maxsize=4)
def _aesgcm(key: bytes) -> AESGCM:
    return AESGCM(key)


def blind_index(value: str) -> str:
    """A keyed digest for exact-match search over an encrypted column.

    Made under the configured suite: after switching QINGLIAN_CRYPTO the stored indexes must be
    computed again before lookups by value find them.
    """
    mac_state = _blind_mac(suite(), settings.DATA_KEY).copy()
    mac_state.update(force_bytes(value.strip().upper()))
    return mac_state.hexdigest()


@functools.lru_cache(maxsize=4)
def _blind_mac(name: str, data_key: str):
    # An HMAC keyed once and copied per value: the same digest as mac(), without re-keying each time.
    return hmac.new(force_bytes("qinglian-blind-index:" + data_key), digestmod=HASHES[name])


def self_test() -> list[str]:
    """Known-answer tests for the configured suite; a list of failures, empty when all pass."""
    failures = []
    known = {
        "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "sm3": "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0",
    }
    algorithm = HASHES[suite()]
    try:
        if hashlib.new(algorithm, b"abc").hexdigest() != known[algorithm]:
            failures.append(f"{algorithm} gives a wrong digest for 'abc'")
    except ValueError:
        failures.append(f"{algorithm} is not available in this Python's OpenSSL")
        return failures
    try:
        if decrypt(encrypt("自检 self-test")) != "自检 self-test":
            failures.append("encryption round trip failed")
    except Exception as exc:
        failures.append(f"encryption unavailable: {exc}")
    return failures
