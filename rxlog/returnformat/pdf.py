"""PAdES signatures on the return's PDF (pyHanko), with the installation's certificate.

The certificate is self-signed (made by :mod:`rxlog.export.keys`), so a PDF reader shows
the document as signed and unchanged but asks whether to trust the signer; the lead
trusts it by importing the file ``rxlog key export`` writes. Validation here checks
the signature is intact and made with the expected certificate.
"""

from __future__ import annotations

import hashlib
import io
import logging
from typing import Any

from rxlog.returnformat import ReturnVerificationError

# pyHanko logs a long traceback at ERROR for an untrusted (self-signed) certificate
# while still returning a status; silence it during validation.
_NOISY_LOGGERS = ("pyhanko", "pyhanko_certvalidator")


def sign_pdf(
    pdf: bytes, keys: Any, *, signer_name: str, reason: str, location: str | None = None
) -> bytes:
    """``pdf`` with a PAdES B-B signature by ``keys`` (:class:`~rxlog.export.keys.SigningKeys`)."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    cert = asn1_x509.Certificate.load(keys.certificate.public_bytes(serialization.Encoding.DER))
    key = asn1_keys.PrivateKeyInfo.load(
        keys.pdf_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    signer = signers.SimpleSigner(
        signing_cert=cert,
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs([cert]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name="RxLogSignOff",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        name=signer_name,
        location=location,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    out = signers.sign_pdf(writer, meta, signer=signer)
    return out.getvalue()


def check_pdf_signature(pdf: bytes, certificate_sha256: str | None = None) -> bytes:
    """Raise :class:`ReturnVerificationError` unless ``pdf`` carries one intact signature
    covering the whole file (made with the certificate of ``certificate_sha256``).
    Returns the signing certificate (DER), so a caller can check whose it is."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature

    loggers = [logging.getLogger(n) for n in _NOISY_LOGGERS]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        reader = PdfFileReader(io.BytesIO(pdf))
        sigs = reader.embedded_signatures
        if len(sigs) != 1:
            raise ReturnVerificationError(
                f"signature invalid: expected 1 PDF signature, found {len(sigs)}"
            )
        sig = sigs[0]
        status = validate_pdf_signature(sig)
        der = sig.signer_cert.dump()
    except ReturnVerificationError:
        raise
    except (PdfError, ValueError, KeyError, TypeError, AttributeError, OSError):
        raise ReturnVerificationError(
            "signature invalid: the PDF or its signature is damaged"
        ) from None
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)
    if not (status.intact and status.valid):
        raise ReturnVerificationError("signature invalid: the PDF was changed after signing")
    if status.coverage is None or status.coverage.name != "ENTIRE_FILE":
        raise ReturnVerificationError(
            "signature invalid: the PDF signature does not cover the whole file"
        )
    if certificate_sha256 and hashlib.sha256(der).hexdigest() != certificate_sha256:
        raise ReturnVerificationError(
            "signature invalid: the PDF was signed with another certificate than the manifest names"
        )
    return bytes(der)
