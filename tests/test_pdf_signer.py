"""The return's PDF signer: it signs with the RSA key as RxLog loaded it (no re-parsing,
no second signature for the size estimate) and checks each signature against the
certificate, so a damaged key, loaded without cryptography's validation, signs nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import TODAY
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from rxlog.domain import EntryInput
from rxlog.errors import RxlogError
from rxlog.export import keys
from rxlog.export.signoff import ExportOptions, export_month
from rxlog.returnformat.pdf import check_pdf_signature
from rxlog.service import RxLog


@pytest.fixture
def app(data_dir: Path):
    a = RxLog.open(data_dir, today=lambda: TODAY)
    a.setup("Alex Morgan", "5012345")
    a.add_placement("G82001", "Test Surgery", "primary", date(2026, 9, 1), None)
    keys.create_keys(data_dir, "Alex Morgan", "5012345")
    a.log(EntryInput("REP-MGMT", date(2026, 10, 8), minutes=30, count=12))
    yield a
    a.close()


def _damage_private_half(data_dir: Path) -> None:
    """Keep the key's public half (so it still matches the certificate) and spoil one
    of its private values (and its CRT twin), as a flipped bit on disk might."""
    path = keys.key_paths(data_dir).pdf_key
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    n = key.private_numbers()
    bad = rsa.RSAPrivateNumbers(
        n.p, n.q, n.d ^ 0b100, n.dmp1 ^ 0b100, n.dmq1, n.iqmp, n.public_numbers
    ).private_key(unsafe_skip_rsa_key_validation=True)
    path.write_bytes(
        bad.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def test_a_signed_pdf_validates_with_the_installations_certificate(app, data_dir, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    res = export_month(app, "2026-10", ExportOptions(out))
    loaded = keys.load_signing_keys(data_dir)
    check_pdf_signature(res.pdf.read_bytes(), loaded.certificate_sha256)  # raises if not


def test_a_damaged_key_signs_nothing_and_the_export_leaves_nothing(app, data_dir, tmp_path):
    _damage_private_half(data_dir)
    keys.load_signing_keys(data_dir)  # loads: its public half still matches
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(RxlogError, match="does not match its certificate"):
        export_month(app, "2026-10", ExportOptions(out))
    assert list(out.iterdir()) == []
    assert app.month_lock("2026-10") is None
