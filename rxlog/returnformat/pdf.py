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

from rxlog.errors import RxlogError
from rxlog.returnformat import ReturnVerificationError

# pyHanko logs a long traceback at ERROR for an untrusted (self-signed) certificate
# while still returning a status; silence it during validation.
_NOISY_LOGGERS = ("pyhanko", "pyhanko_certvalidator")


def _signer(keys: Any) -> Any:
    """A pyHanko signer over the RSA key ``keys`` already holds.

    pyHanko's ``SimpleSigner`` parses its key again (and cryptography re-validates it,
    ~28 ms) for every signature, and it signs once more to estimate the signature's
    size; this one signs with the key as loaded and answers the estimate with zeros of
    the right length (as pyHanko's own PKCS#11 signer does). Each real signature is
    checked against the certificate before it is used, so a damaged key (loaded without
    cryptography's validation, see ``rxlog.export.keys``) cannot sign a return.
    """
    from asn1crypto import x509 as asn1_x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    cert = asn1_x509.Certificate.load(keys.certificate.public_bytes(serialization.Encoding.DER))
    rsa_key = keys.pdf_key
    public = keys.certificate.public_key()
    digests = {"sha256": hashes.SHA256}

    class _LoadedKeySigner(signers.Signer):
        async def async_sign_raw(
            self, data: bytes, digest_algorithm: str, dry_run: bool = False
        ) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            if mechanism.signature_algo != "rsassa_pkcs1v15" or digest_algorithm not in digests:
                raise RxlogError(f"RxLog does not sign with {mechanism.signature_algo}")
            if dry_run:
                return bytes(rsa_key.key_size // 8)
            digest = digests[digest_algorithm]()
            signature: bytes = rsa_key.sign(data, PKCS1v15(), digest)
            try:
                public.verify(signature, data, PKCS1v15(), digests[digest_algorithm]())
            except InvalidSignature:
                raise RxlogError(
                    "the PDF signing key does not match its certificate (it may be damaged); "
                    "it cannot sign"
                ) from None
            return signature

    return _LoadedKeySigner(
        signing_cert=cert, cert_registry=SimpleCertificateStore.from_certs([cert])
    )


def sign_pdf(
    pdf: bytes, keys: Any, *, signer_name: str, reason: str, location: str | None = None
) -> bytes:
    """``pdf`` with a PAdES B-B signature by ``keys`` (:class:`~rxlog.export.keys.SigningKeys`)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    meta = signers.PdfSignatureMetadata(
        field_name="RxLogSignOff",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        name=signer_name,
        location=location,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    out = signers.sign_pdf(writer, meta, signer=_signer(keys))
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
