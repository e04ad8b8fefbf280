"""C2PA provenance: every generated MP4 carries a signed manifest that says this service made it with a
trained model, for whom, and with which model; and any MP4 can be checked against it.

The manifest is signed into the file in memory with c2pa-python. Signing and reading never touch the
network: no timestamp authority, no OCSP, no remote manifests. So a manifest's time is the one this
service wrote into it, not a third party's timestamp.

c2pa refuses signing certificates that do not look like a document signer's: it wants the
digitalSignature key usage, an authority key identifier and an accepted extended key usage
(emailProtection; documentSigning alone fails its default EKU list). The development identity is a
small CA and an end-entity certificate it issued, so that, as in production, readers trust the CA
rather than the signing certificate itself. Production points the settings at a chain from a real CA.

The Django-aware part (``signing_identity`` and ``trust_anchors``, which read settings) is at the end;
everything above it works without Django.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import os
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

CLAIM_GENERATOR = "sora_social"
AI_SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
# Our own assertion: who asked for the video, which job made it, and when it was signed.
GENERATION_ASSERTION = "com.sora_social.generation"
SERVICE_VERSION = version("sora-social")
MP4_TYPE = "video/mp4"
# Problem codes of our own, next to C2PA's validation codes (such as "assertion.bmffHash.mismatch").
NO_MANIFEST = "no_manifest"
UNREADABLE = "unreadable"


def _offline_settings(*, verify_trust: bool) -> dict[str, Any]:
    """c2pa settings under which nothing reaches out: no remote manifests, no OCSP, no other host."""
    return {
        "core": {"allowed_network_hosts": []},
        "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False, "verify_trust": verify_trust},
    }


# Signing checks the signature and hashes it just made (verify_after_sign), not trust: whether a
# certificate is trusted is the reader's question, asked against the reader's anchors. A video gets no
# thumbnail in its manifest: the poster is served beside it.
_SIGNING_SETTINGS = {**_offline_settings(verify_trust=False), "builder": {"thumbnail": {"enabled": False}}}
_DEV_CA_NAME = "sora_social development CA"
_DEV_SIGNER_NAME = "sora_social development signer"
_DEV_ORGANIZATION = "sora_social"
_DEV_CA_YEARS = 10
_DEV_SIGNER_YEARS = 3


@dataclass(frozen=True)
class SigningIdentity:
    certificate_chain: bytes  # PEM: the signing certificate first, then its issuer(s)
    private_key: bytes  # PEM
    algorithm: c2pa.C2paSigningAlg = c2pa.C2paSigningAlg.ES256


@dataclass(frozen=True)
class ProvenanceSummary:
    """What a file's manifest says, and whether it holds up.

    The descriptive fields report what the manifest claims even when ``valid`` is false; only a valid
    (and, to believe who signed it, trusted) manifest should be shown as fact.
    """

    valid: bool  # the signature and the content hashes check out
    trusted: bool  # the signer chains to one of the trust anchors given
    problems: list[str] = field(default_factory=list)  # validation failure codes
    ai_generated: bool = False  # an action says digitalSourceType trainedAlgorithmicMedia
    generator: str | None = None  # the claim generator's name
    model: str | None = None  # the software agent of the c2pa.created action: the engine config
    creator: str | None = None  # the handle of the person who asked for the video
    title: str | None = None
    signer: str | None = None  # the signing certificate's common name and organisation
    signed_at: str | None = None  # ISO 8601, as the signer claimed it

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sign_mp4(
    mp4: bytes, *, identity: SigningIdentity, title: str, creator: str, model: str, job_id: str
) -> bytes:
    """Returns ``mp4`` with a signed C2PA manifest embedded. The video data itself is unchanged.

    Raises ``c2pa.C2paError`` when the bytes are not an MP4 or the identity is one C2PA refuses.
    """
    manifest = {
        "claim_generator_info": [{"name": CLAIM_GENERATOR, "version": SERVICE_VERSION}],
        "title": title,
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": AI_SOURCE_TYPE,
                            # The model that made the content is the software agent, as in the manifests
                            # of other generators.
                            "softwareAgent": {"name": model},
                        }
                    ]
                },
            },
            {
                "label": GENERATION_ASSERTION,
                "data": {
                    "creator": creator,
                    "job_id": job_id,
                    "signed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                },
            },
        ],
    }
    signer_info = c2pa.C2paSignerInfo(
        identity.algorithm, identity.certificate_chain, identity.private_key, None
    )
    signed = io.BytesIO()
    with (
        c2pa.Signer.from_info(signer_info) as signer,
        c2pa.Context.from_dict(_SIGNING_SETTINGS) as context,
        c2pa.Builder(manifest, context=context) as builder,
    ):
        builder.sign(signer, MP4_TYPE, io.BytesIO(mp4), signed)
    return signed.getvalue()


def read_provenance(mp4: bytes, *, trust_anchors: bytes | None = None) -> ProvenanceSummary:
    """Validates the manifest of ``mp4``. Never raises for what is in the file: it reports.

    ``trust_anchors`` is a PEM bundle of root certificates; without it nothing is trusted.
    """
    reading = _offline_settings(verify_trust=trust_anchors is not None)
    if trust_anchors is not None:
        reading["trust"] = {"trust_anchors": trust_anchors.decode()}
    with c2pa.Context.from_dict(reading) as context:
        try:
            with c2pa.Reader(MP4_TYPE, io.BytesIO(mp4), context=context) as reader:
                store = json.loads(reader.json())
        except c2pa.C2paError.ManifestNotFound:
            return ProvenanceSummary(valid=False, trusted=False, problems=[NO_MANIFEST])
        except c2pa.C2paError:
            return ProvenanceSummary(valid=False, trusted=False, problems=[UNREADABLE])
    return _summarize(store)


def _summarize(store: dict[str, Any]) -> ProvenanceSummary:
    """The summary of a manifest store as c2pa's reader reports it (``Reader.json()``)."""
    state = store.get("validation_state")
    manifest = store.get("manifests", {}).get(store.get("active_manifest"), {})
    results = store.get("validation_results", {})
    failures = [
        *results.get("activeManifest", {}).get("failure", []),
        *(
            status
            for delta in results.get("ingredientDeltas", [])
            for status in delta.get("validationDeltas", {}).get("failure", [])
        ),
    ]
    assertions: dict[str, Any] = {}
    for assertion in manifest.get("assertions", []):
        # A label can carry a version ("c2pa.actions.v2") and, when repeated, an index ("__1").
        base = assertion["label"].split("__")[0].removesuffix(".v2")
        assertions.setdefault(base, assertion.get("data", {}))
    actions = assertions.get("c2pa.actions", {}).get("actions", [])
    created: dict[str, Any] = next(
        (action for action in actions if action.get("action") == "c2pa.created"), {}
    )
    generation = assertions.get(GENERATION_ASSERTION, {})
    generators = manifest.get("claim_generator_info") or [{}]
    signature = manifest.get("signature_info", {})
    signer = signature.get("common_name") or signature.get("issuer")
    if signer and signature.get("issuer") not in (None, signer):
        signer = f"{signer} ({signature['issuer']})"
    return ProvenanceSummary(
        valid=state in ("Valid", "Trusted"),
        trusted=state == "Trusted",
        problems=list(dict.fromkeys(status["code"] for status in failures)),
        ai_generated=any(action.get("digitalSourceType") == AI_SOURCE_TYPE for action in actions),
        generator=generators[0].get("name") or manifest.get("claim_generator"),
        model=(created.get("softwareAgent") or {}).get("name"),
        creator=generation.get("creator"),
        title=manifest.get("title"),
        signer=signer,
        # A timestamp authority's time when there is one; otherwise the time the signer wrote.
        signed_at=signature.get("time") or generation.get("signed_at"),
    )


def load_identity(chain_file: Path, key_file: Path) -> SigningIdentity:
    """Reads a PEM certificate chain (signing certificate first) and its PEM private key.

    The signing algorithm follows the key: ES256/384/512 for EC P-256/384/521, PS256 for RSA, Ed25519.
    """
    chain, key_pem = chain_file.read_bytes(), key_file.read_bytes()
    certificates = x509.load_pem_x509_certificates(chain)
    key = serialization.load_pem_private_key(key_pem, password=None)
    if certificates[0].public_key() != key.public_key():
        raise ValueError(f"{key_file} is not the key of the first certificate in {chain_file}")
    return SigningIdentity(certificate_chain=chain, private_key=key_pem, algorithm=_algorithm_for(key))


def _algorithm_for(key: object) -> c2pa.C2paSigningAlg:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        by_curve = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}
        if key.curve.name in by_curve:
            return c2pa.C2paSigningAlg[by_curve[key.curve.name]]
    if isinstance(key, rsa.RSAPrivateKey):
        return c2pa.C2paSigningAlg.PS256
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return c2pa.C2paSigningAlg.ED25519
    raise ValueError(f"C2PA cannot sign with a {type(key).__name__}")


def create_development_identity(directory: Path) -> SigningIdentity:
    """A local signing identity for development, made once in ``directory`` and loaded after that.

    Writes ``ca.pem`` (the trust anchor to verify against), ``chain.pem`` (signer, then CA) and
    ``key.pem`` (the signer's key, mode 0600). The CA's own key is never written: nothing else can
    be issued under it. A directory holding only some of the files is made afresh.
    """
    ca_file, chain_file, key_file = directory / "ca.pem", directory / "chain.pem", directory / "key.pem"
    if ca_file.exists() and chain_file.exists() and key_file.exists():
        return load_identity(chain_file, key_file)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(_DEV_CA_NAME)
    ca = (
        _certificate_builder(ca_name, ca_name, ca_key.public_key(), now, years=_DEV_CA_YEARS)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    signer_key = ec.generate_private_key(ec.SECP256R1())
    signer = (
        _certificate_builder(
            _name(_DEV_SIGNER_NAME), ca_name, signer_key.public_key(), now, years=_DEV_SIGNER_YEARS
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    key_pem = signer_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # A new file created with its final mode, so the key is never readable by others, not even briefly.
    key_file.unlink(missing_ok=True)
    with os.fdopen(os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
        handle.write(key_pem)
    ca_pem = ca.public_bytes(serialization.Encoding.PEM)
    chain_file.write_bytes(signer.public_bytes(serialization.Encoding.PEM) + ca_pem)
    ca_file.write_bytes(ca_pem)
    return load_identity(chain_file, key_file)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _DEV_ORGANIZATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _certificate_builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    now: dt.datetime,
    *,
    years: int,
) -> x509.CertificateBuilder:
    # Backdated an hour, so a clock a little behind on another machine still accepts the certificate.
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _key_usage(
    *, digital_signature: bool = False, key_cert_sign: bool = False, crl_sign: bool = False
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


# Django settings -----------------------------------------------------------------------------------

_SETUP_HINT = (
    "Point it at the service's signing files, or, for development, run "
    "`python manage.py provenance_dev_identity` to create a local identity at the configured paths."
)


def signing_identity() -> SigningIdentity:
    """The service's signing identity from ``PROVENANCE_CHAIN_FILE`` and ``PROVENANCE_KEY_FILE``.

    Loaded once per process for each pair of paths (a worker signs every video with it).
    """
    chain_file = _existing_file("PROVENANCE_CHAIN_FILE")
    key_file = _existing_file("PROVENANCE_KEY_FILE")
    return _load_identity_cached(chain_file, key_file)


def trust_anchors() -> bytes | None:
    """The PEM roots to verify against, from ``PROVENANCE_TRUST_ANCHORS_FILE``.

    None when the setting is empty: then files are read as valid or not, and never as trusted.
    """
    if not getattr(settings, "PROVENANCE_TRUST_ANCHORS_FILE", None):
        return None
    return _read_cached(_existing_file("PROVENANCE_TRUST_ANCHORS_FILE"))


def _existing_file(setting: str) -> Path:
    path = getattr(settings, setting, None)
    if not path:
        raise ImproperlyConfigured(f"{setting} is not set. {_SETUP_HINT}")
    if not Path(path).is_file():
        raise ImproperlyConfigured(f"{setting} points at {path}, which does not exist. {_SETUP_HINT}")
    return Path(path)


@functools.cache
def _load_identity_cached(chain_file: Path, key_file: Path) -> SigningIdentity:
    return load_identity(chain_file, key_file)


@functools.cache
def _read_cached(path: Path) -> bytes:
    return path.read_bytes()
