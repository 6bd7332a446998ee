"""A small XPath 1.0 subset for the relevance, required and constraint expressions pyxform
writes (`/data/a = 'no'`, `../b != ''`, `. >= 0 and . <= 10`, `selected(…)`, `regex(…)`).
Anything outside the subset raises Unknown: the caller skips that check rather than guess.
Pure: a path is resolved by its last step's name through the caller's `resolve`.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from typing import Any

TOKEN = re.compile(r"""\s*(?:
    (?P<str>'[^']*'|"[^"]*")
  | (?P<num>\d+(?:\.\d+)?)
  | (?P<op>!=|<=|>=|=|<|>|\(|\)|,|\+|\*|-(?=\s)|\|)
  | (?P<path>(?:current\(\))?/?(?:\.\.|\.|[A-Za-z_][\w.:-]*)(?:/(?:\.\.|\.|[A-Za-z_][\w.-]*))*)
)""", re.VERBOSE)
KEYWORDS = {"and", "or", "div", "mod"}
Value = str | float | bool
Resolver = Callable[[str], Value]


class Unknown(Exception):  # noqa: N818 - a result, not a failure
    """The expression uses something this subset does not evaluate."""


@functools.lru_cache(maxsize=4096)  # a published form's expressions, checked on every submission
def tokenize(text: str) -> tuple[tuple[str, str], ...]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise Unknown(text[pos:pos + 20])
        kind = m.lastgroup
        value = m.group(kind)
        out.append(("op", value) if kind == "path" and value in KEYWORDS else (kind, value))
        pos = m.end()
    return tuple(out)


def evaluate(text: str, resolve: Resolver) -> Value:
    parser = _Parser(tokenize(text), resolve)
    value = parser.expr()
    if parser.pos != len(parser.tokens):
        raise Unknown(text)
    return value


def truthy(value: Value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return value != 0 and not math.isnan(value)
    return value != ""


def number(value: Value) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    try:
        return float(value.strip())
    except ValueError:
        return math.nan


def text(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    return value


def _compare(op: str, a: Value, b: Value) -> bool:
    if op in ("=", "!="):
        if isinstance(a, bool) or isinstance(b, bool):
            same = truthy(a) == truthy(b)
        elif isinstance(a, float) or isinstance(b, float):
            same = number(a) == number(b)
        else:
            same = a == b
        return same if op == "=" else not same
    x, y = number(a), number(b)
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]


FUNCTIONS: dict[str, Callable[..., Value]] = {
    "not": lambda a: not truthy(a),
    "true": lambda: True,
    "false": lambda: False,
    "boolean": truthy,
    "string": text,
    "number": number,
    "string-length": lambda a: float(len(text(a))),
    "selected": lambda a, b: text(b) in text(a).split(),
    "count-selected": lambda a: float(len(text(a).split())),
    "coalesce": lambda a, b: a if text(a) != "" else b,
    "concat": lambda *a: "".join(text(x) for x in a),
    "contains": lambda a, b: text(b) in text(a),
    "starts-with": lambda a, b: text(a).startswith(text(b)),
    "ends-with": lambda a, b: text(a).endswith(text(b)),
    "normalize-space": lambda a: " ".join(text(a).split()),
    "regex": lambda a, b: re.fullmatch(text(b), text(a)) is not None,
}


class _Parser:
    def __init__(self, tokens: tuple[tuple[str, str], ...], resolve: Resolver) -> None:
        self.tokens, self.resolve, self.pos = tokens, resolve, 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok != ("op", value)):
            raise Unknown(f"expected {value}")
        self.pos += 1
        return tok

    def binary(self, ops: set[str], operand: Callable[[], Value],
               apply: Callable[[str, Value, Value], Value]) -> Value:
        left = operand()
        while (tok := self.peek()) is not None and tok[0] == "op" and tok[1] in ops:
            self.pos += 1
            left = apply(tok[1], left, operand())
        return left

    def expr(self) -> Value:
        return self.binary({"or"}, self.conj, lambda _o, a, b: truthy(a) or truthy(b))

    def conj(self) -> Value:
        return self.binary({"and"}, self.comparison, lambda _o, a, b: truthy(a) and truthy(b))

    def comparison(self) -> Value:
        return self.binary({"=", "!=", "<", "<=", ">", ">="}, self.additive, _compare)

    def additive(self) -> Value:
        return self.binary({"+", "-"}, self.term, lambda o, a, b: number(a) + number(b)
                           if o == "+" else number(a) - number(b))

    def term(self) -> Value:
        def apply(op: str, a: Value, b: Value) -> Value:
            x, y = number(a), number(b)
            if op == "*":
                return x * y
            if y == 0:
                return math.nan
            return x / y if op == "div" else math.fmod(x, y)
        return self.binary({"*", "div", "mod"}, self.primary, apply)

    def primary(self) -> Value:
        kind, value = self.take()
        if kind == "str":
            return value[1:-1]
        if kind == "num":
            return float(value)
        if (kind, value) == ("op", "("):
            inner = self.expr()
            self.take(")")
            return inner
        if kind == "path":
            if self.peek() == ("op", "("):
                return self.call(value)
            return self.resolve(value)
        raise Unknown(value)

    def call(self, name: str) -> Value:
        self.take("(")
        args: list[Any] = []
        if self.peek() != ("op", ")"):
            args.append(self.expr())
            while self.peek() == ("op", ","):
                self.pos += 1
                args.append(self.expr())
        self.take(")")
        fn = FUNCTIONS.get(name)
        if fn is None:
            raise Unknown(name)
        try:
            return fn(*args)
        except (TypeError, re.error):
            raise Unknown(name) from None
