"""Money is Decimal yuan with two places; rounding happens here and nowhere else."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def to_money(value) -> Decimal:
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    try:
        return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc


def format_money(value: Decimal) -> str:
    return str(to_money(value))


def to_fen(value: Decimal) -> int:
    return int(to_money(value) * 100)


def from_fen(fen: int) -> Decimal:
    return to_money(Decimal(fen) / 100)
