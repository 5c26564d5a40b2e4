"""Photos sent from phones (progress evidence, residents' challenges and reports): checked
before anything is stored, then re-encoded so that nothing of the original file is kept."""

import io
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000  # well above any phone camera, far below a decompression bomb
PHOTO_MAX_COUNT = 6
PHOTO_MAX_SIDE = 2560
THUMBNAIL_SIDE = 480


def validate_photo(upload) -> None:
    """A real JPEG, PNG or WebP image of sensible size; anything else is refused by name."""
    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError(_("%(name)s is larger than 10 MB.") % {"name": upload.name})
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind, (width, height) = image.format, image.size
            if width * height > PHOTO_MAX_PIXELS:
                raise ValidationError(_("%(name)s has too many pixels.") % {"name": upload.name})
            image.verify()
    except ValidationError:
        raise
    except Exception as error:  # Pillow raises many kinds for a file that is not an image
        raise ValidationError(
            _("%(name)s is not an image we can read.") % {"name": upload.name}
        ) from error
    if kind not in PHOTO_FORMATS:
        raise ValidationError(
            _("%(name)s is a %(kind)s file; send a JPEG, PNG or WebP photo.")
            % {"name": upload.name, "kind": kind}
        )


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Zero or more photos from one <input type=file multiple>, each checked."""

    widget = MultiplePhotoInput(
        attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}
    )

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > PHOTO_MAX_COUNT:
            raise ValidationError(
                _("Send at most %(count)s photos at a time.") % {"count": PHOTO_MAX_COUNT}
            )
        for upload in files:
            validate_photo(upload)
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        return files


def _as_jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def store_photo(obj, upload) -> None:
    """Fill `obj`'s image, thumbnail, width and height from a checked upload (see
    `validate_photo`), re-encoded as JPEG: the EXIF orientation is applied and then dropped
    with the rest of the metadata (GPS included). Shared by every model with a photo."""
    upload.seek(0)
    with Image.open(upload) as original:
        image = ImageOps.exif_transpose(original).convert("RGB")
    image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    full = _as_jpeg(image)
    obj.width, obj.height = image.width, image.height
    image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    name = uuid.uuid4().hex
    obj.image.save(f"{name}.jpg", ContentFile(full), save=False)
    obj.thumbnail.save(f"{name}-thumb.jpg", ContentFile(_as_jpeg(image)), save=False)
