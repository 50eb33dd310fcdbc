"""Small arithmetic shared by the engines and the plots."""


def ceil_div(a: int, b: int) -> int:
    """a / b rounded up, in integers: the number of batches of size b that hold a rows."""
    return -(-a // b)
