"""Uploaded images, made safe: the real type checked by decoding (not the name or the header), size and
pixel limits (decompression bombs), EXIF orientation applied, and every byte of metadata dropped by
re-encoding into a fresh file."""

from __future__ import annotations

import io
import warnings
from typing import IO

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from sora_social.core.errors import InvalidInput, PayloadTooLarge, UnsupportedMedia

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}


def normalize_image(
    upload: IO[bytes], *, field: str, max_bytes: int, max_pixels: int, max_side: int | None = None
) -> ContentFile:
    """A clean JPEG (or PNG when the image has transparency) re-encoded from ``upload``."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise PayloadTooLarge(
            f"{field} is larger than {max_bytes // (1024 * 1024)} MB.",
            code="file_too_large",
            fields={field: [f"At most {max_bytes} bytes."]},
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
            if image.format not in ACCEPTED_FORMATS:
                raise UnsupportedMedia(
                    f"{field} must be a JPEG, PNG or WebP image.",
                    fields={field: [f"{image.format} images are not accepted."]},
                )
            width, height = image.size
            if width * height > max_pixels:
                raise PayloadTooLarge(
                    f"{field} has too many pixels ({width}x{height}).",
                    code="image_too_large",
                    fields={field: [f"At most {max_pixels} pixels."]},
                )
            image.load()
    except UnidentifiedImageError:
        raise UnsupportedMedia(
            f"{field} is not an image we can read; send a JPEG, PNG or WebP file.",
            fields={field: ["Not a JPEG, PNG or WebP image."]},
        ) from None
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise PayloadTooLarge(
            f"{field} has too many pixels.", code="image_too_large", fields={field: ["Too many pixels."]}
        ) from None
    except (OSError, SyntaxError, ValueError):
        raise InvalidInput(
            f"{field} is damaged or truncated.", code="invalid_image", fields={field: ["Damaged image."]}
        ) from None

    upright = ImageOps.exif_transpose(image)
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
        upright.mode == "P" and "transparency" in upright.info
    )
    clean = upright.convert("RGBA" if has_alpha else "RGB")
    if max_side:
        clean.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if has_alpha:
        clean.save(out, format="PNG", optimize=True)
        extension = "png"
    else:
        clean.save(out, format="JPEG", quality=90, optimize=True)
        extension = "jpg"
    return ContentFile(out.getvalue(), name=f"image.{extension}")
