"""QR codes printed on paper (the A4 poster, reviewers' slips) so a phone opens the page."""

import qrcode
import qrcode.image.svg
from django.utils.safestring import mark_safe


def qr_svg(url: str) -> str:
    """An inline SVG of `url`, safe to put in a page: the qrcode library draws it from our
    own URL."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    return mark_safe(image.to_string(encoding="unicode"))
