"""Read back the QR codes the card page serves: draw segno's SVG path as a bitmap and decode it with zxing-cpp."""

import io
import re

import zxingcpp
from PIL import Image

_VIEWBOX = re.compile(r'viewBox="0 0 (\d+) (\d+)"')
_SCALE = re.compile(r"scale\((\d+)\)")
_PATH = re.compile(r' d="([^"]+)"')
_COMMAND = re.compile(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?")


def svg_to_image(svg: str, *, pixels_per_module: int = 8, quiet_zone: int = 4) -> Image.Image:
    """segno draws each run of dark modules as a horizontal line: M/m move, h draws (one module high)."""
    size = int(_VIEWBOX.search(svg).group(1)) // int(_SCALE.search(svg).group(1))
    image = Image.new("L", (size + 2 * quiet_zone, size + 2 * quiet_zone), 255)
    x = y = 0.0
    for command, first, second in _COMMAND.findall(_PATH.search(svg).group(1)):
        if command == "M":
            x, y = float(first), float(second)
        elif command == "m":
            x, y = x + float(first), y + float(second)
        else:
            for column in range(int(x), int(x + float(first))):
                image.putpixel((column + quiet_zone, int(y) + quiet_zone), 0)
            x += float(first)
    return image.resize((image.width * pixels_per_module, image.height * pixels_per_module), Image.NEAREST)


def decode_image(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image.convert("L"))]


def decode_svg(svg: str) -> list[str]:
    return decode_image(svg_to_image(svg))


def decode_png(data: bytes) -> list[str]:
    return decode_image(Image.open(io.BytesIO(data)))
