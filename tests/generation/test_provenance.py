"""C2PA provenance: signing generated MP4s, reading them back, and the identity that signs them."""

from __future__ import annotations

import io
import json
import stat
import struct

import c2pa
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError

from generation.provenance import (
    NO_MANIFEST,
    UNREADABLE,
    create_development_identity,
    load_identity,
    read_provenance,
    sign_mp4,
    signing_identity,
    trust_anchors,
)
from sora_social.core import media
from toolkit.mp4 import encode_mp4

FRAMES = 24


@pytest.fixture(scope="module")
def video() -> bytes:
    return encode_mp4(media.test_pattern(frames=FRAMES, width=96, height=64, seed=1), fps=8)


@pytest.fixture(scope="module")
def identity_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("identity")
    create_development_identity(directory)
    return directory


@pytest.fixture(scope="module")
def ca(identity_dir) -> bytes:
    return (identity_dir / "ca.pem").read_bytes()


@pytest.fixture(scope="module")
def signed(video, identity_dir) -> bytes:
    return sign_mp4(
        video,
        identity=create_development_identity(identity_dir),
        title="a corgi detective in a rainy alley",
        creator="alice",
        model="small",
        job_id="job-123",
    )


def box(data: bytes, kind: bytes) -> tuple[int, int]:
    """(start, end) of the payload of the first top-level MP4 box of type ``kind``."""
    offset = 0
    while offset + 8 <= len(data):
        size, found = struct.unpack(">I4s", data[offset : offset + 8])
        header = 8
        if size == 1:
            (size,) = struct.unpack(">Q", data[offset + 8 : offset + 16])
            header = 16
        elif size == 0:
            size = len(data) - offset
        if found == kind:
            return offset + header, offset + size
        offset += size
    raise AssertionError(f"no {kind!r} box")


def test_a_signed_video_reads_back_valid_trusted_and_ai_generated(signed, ca):
    summary = read_provenance(signed, trust_anchors=ca)

    assert summary.valid and summary.trusted
    assert summary.problems == []
    assert summary.ai_generated
    assert summary.generator == "sora_social"
    assert summary.model == "small"
    assert summary.creator == "alice"
    assert summary.title == "a corgi detective in a rainy alley"
    assert "sora_social development signer" in summary.signer
    assert summary.signed_at
    assert json.loads(json.dumps(summary.as_dict())) == summary.as_dict()


def test_the_manifest_records_the_job_and_the_model(signed):
    with c2pa.Reader("video/mp4", io.BytesIO(signed)) as reader:
        manifest = reader.get_active_manifest()

    assertions = {assertion["label"]: assertion["data"] for assertion in manifest["assertions"]}
    assert assertions["com.sora_social.generation"]["job_id"] == "job-123"
    (created,) = assertions["c2pa.actions.v2"]["actions"]
    assert created["action"] == "c2pa.created"
    assert (
        created["digitalSourceType"]
        == "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
    )
    assert manifest["claim_generator_info"][0]["version"]


def test_a_signed_video_still_plays_with_every_frame(signed, video):
    assert len(signed) > len(video)
    assert media.probe_video(signed).frame_count == media.probe_video(video).frame_count == FRAMES


def test_without_trust_anchors_a_signed_video_is_valid_but_not_trusted(signed):
    summary = read_provenance(signed)

    assert summary.valid and not summary.trusted
    assert summary.problems == []
    assert summary.ai_generated


def test_changing_the_video_data_breaks_the_hash(signed, ca):
    start, end = box(signed, b"mdat")
    middle = (start + end) // 2
    tampered = signed[:middle] + bytes(b ^ 0xFF for b in signed[middle : middle + 16]) + signed[middle + 16 :]

    summary = read_provenance(tampered, trust_anchors=ca)

    assert not summary.valid and not summary.trusted
    assert any("mismatch" in problem for problem in summary.problems)
    # It still says what the (now broken) manifest claimed.
    assert summary.creator == "alice"


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.01])
def test_a_truncated_file_is_reported_not_raised(signed, ca, keep):
    summary = read_provenance(signed[: int(len(signed) * keep)], trust_anchors=ca)

    assert not summary.valid and not summary.trusted
    assert summary.problems


@pytest.mark.parametrize("garbage", [b"", b"not a video at all" * 100, bytes(range(256)) * 40])
def test_garbage_is_reported_not_raised(garbage, ca):
    summary = read_provenance(garbage, trust_anchors=ca)

    assert not summary.valid and not summary.trusted
    assert summary.problems == [UNREADABLE]


def test_an_unsigned_video_has_no_manifest(video, ca):
    summary = read_provenance(video, trust_anchors=ca)

    assert not summary.valid and not summary.trusted
    assert summary.problems == [NO_MANIFEST]
    assert not summary.ai_generated and summary.generator is None


def test_a_video_signed_by_another_identity_is_valid_but_not_trusted(video, ca, tmp_path):
    stranger = create_development_identity(tmp_path / "stranger")
    signed_by_stranger = sign_mp4(
        video, identity=stranger, title="t", creator="mallory", model="small", job_id="1"
    )

    summary = read_provenance(signed_by_stranger, trust_anchors=ca)

    assert summary.valid and not summary.trusted
    assert "signingCredential.untrusted" in summary.problems
    # Its own CA does trust it.
    assert read_provenance(
        signed_by_stranger, trust_anchors=(tmp_path / "stranger" / "ca.pem").read_bytes()
    ).trusted


def test_the_development_identity_is_made_once_then_loaded(tmp_path):
    directory = tmp_path / "run" / "provenance"

    first = create_development_identity(directory)
    files = {name: (directory / name).read_bytes() for name in ("ca.pem", "chain.pem", "key.pem")}
    second = create_development_identity(directory)

    assert second == first
    assert {name: (directory / name).read_bytes() for name in files} == files
    assert stat.S_IMODE((directory / "key.pem").stat().st_mode) == 0o600
    assert first.certificate_chain.count(b"BEGIN CERTIFICATE") == 2
    assert first.certificate_chain.endswith(files["ca.pem"])
    assert load_identity(directory / "chain.pem", directory / "key.pem") == first


def test_a_partial_development_identity_is_made_afresh(tmp_path):
    first = create_development_identity(tmp_path)
    (tmp_path / "key.pem").unlink()

    second = create_development_identity(tmp_path)

    assert second != first and (tmp_path / "key.pem").exists()
    assert stat.S_IMODE((tmp_path / "key.pem").stat().st_mode) == 0o600


def test_a_key_that_does_not_match_the_certificate_is_refused(tmp_path):
    create_development_identity(tmp_path / "one")
    create_development_identity(tmp_path / "two")

    with pytest.raises(ValueError):
        load_identity(tmp_path / "one" / "chain.pem", tmp_path / "two" / "key.pem")


@pytest.fixture
def configured(settings, tmp_path):
    directory = tmp_path / "provenance"
    settings.PROVENANCE_CHAIN_FILE = directory / "chain.pem"
    settings.PROVENANCE_KEY_FILE = directory / "key.pem"
    settings.PROVENANCE_TRUST_ANCHORS_FILE = directory / "ca.pem"
    return directory


@pytest.mark.parametrize("setting", ["PROVENANCE_CHAIN_FILE", "PROVENANCE_KEY_FILE"])
def test_signing_identity_names_the_setting_whose_file_is_missing(configured, settings, setting):
    create_development_identity(configured)
    setattr(settings, setting, configured / "missing.pem")

    with pytest.raises(ImproperlyConfigured) as error:
        signing_identity()

    assert setting in str(error.value) and "provenance_dev_identity" in str(error.value)


def test_signing_identity_and_trust_anchors_come_from_the_settings(configured):
    with pytest.raises(ImproperlyConfigured, match="PROVENANCE_CHAIN_FILE"):
        signing_identity()
    with pytest.raises(ImproperlyConfigured, match="PROVENANCE_TRUST_ANCHORS_FILE"):
        trust_anchors()

    identity = create_development_identity(configured)

    assert signing_identity() == identity
    assert signing_identity() is signing_identity()
    assert trust_anchors() == (configured / "ca.pem").read_bytes()


def test_no_trust_anchors_setting_means_nothing_is_trusted(settings):
    settings.PROVENANCE_TRUST_ANCHORS_FILE = None

    assert trust_anchors() is None


def test_the_command_creates_the_identity_at_the_configured_paths(configured, settings):
    settings.DEBUG = True
    out = io.StringIO()

    call_command("provenance_dev_identity", stdout=out)

    assert str(configured) in out.getvalue()
    assert signing_identity() == load_identity(configured / "chain.pem", configured / "key.pem")
    key = (configured / "key.pem").read_bytes()

    call_command("provenance_dev_identity", stdout=out)

    assert "already exists" in out.getvalue()
    assert (configured / "key.pem").read_bytes() == key


def test_the_command_refuses_without_debug_unless_forced(configured, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("provenance_dev_identity", stdout=io.StringIO())
    assert not configured.exists()

    call_command("provenance_dev_identity", "--force", stdout=io.StringIO())
    assert (configured / "chain.pem").is_file() and (configured / "ca.pem").is_file()


def test_the_command_wants_the_three_files_in_one_folder(configured, settings, tmp_path):
    settings.DEBUG = True
    settings.PROVENANCE_KEY_FILE = tmp_path / "elsewhere" / "key.pem"

    with pytest.raises(CommandError, match="PROVENANCE_KEY_FILE"):
        call_command("provenance_dev_identity", stdout=io.StringIO())
