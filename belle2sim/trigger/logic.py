"""Trigger-line logic: a small, safe parser (never eval) and a vectorised evaluator.

Grammar (the GDL menu vocabulary, with words or symbols)::

    expr       := and_expr (("or" | "|") and_expr)*
    and_expr   := not_expr (("and" | "&") not_expr)*
    not_expr   := ("not" | "!") not_expr | comparison
    comparison := atom [(">=" | ">" | "<=" | "<" | "==" | "=" | "!=") INTEGER]
    atom       := NAME | "(" expr ")"

A bare NAME is true when the input bit (a count or a flag) is non-zero. Parsing yields a tuple
AST; :func:`names` lists the bits a line uses (for validation) and :func:`evaluate` computes the
line for all events at once from a mapping name -> numpy array.
"""

import re

import numpy as np

_TOKEN = re.compile(r"\s*(?:(?P<num>\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>>=|<=|==|!=|[><=!&|()]))")
_COMPARE = {">=": np.greater_equal, ">": np.greater, "<=": np.less_equal, "<": np.less,
            "==": np.equal, "=": np.equal, "!=": np.not_equal}


class LogicSyntaxError(ValueError):
    """The expression cannot be parsed; the message says where."""


def _tokenize(text):
    tokens, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            at = pos + len(text[pos:]) - len(text[pos:].lstrip())
            raise LogicSyntaxError(f"unexpected character {text[at]!r} at position {at}")
        kind = m.lastgroup
        value = m.group(kind)
        start = m.start(kind)  # before "and"/"or"/"not" become operators: the user's position
        if kind == "name" and value in ("and", "or", "not"):
            kind, value = "op", {"and": "&", "or": "|", "not": "!"}[value]
        tokens.append((kind, value, start))
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, text):
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0

    def shown(self, value, pos):
        """The token as the user wrote it ('and', not '&')."""
        m = _TOKEN.match(self.text, pos) if pos >= 0 else None
        return m.group(m.lastgroup) if m else value

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None, -1)

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def parse(self):
        if not self.tokens:
            raise LogicSyntaxError("empty expression")
        node = self.expr()
        kind, value, pos = self.peek()
        if kind is not None:
            raise LogicSyntaxError(f"unexpected {self.shown(value, pos)!r} at position {pos}")
        return node

    def expr(self):
        node = self.and_expr()
        while self.peek()[:2] == ("op", "|"):
            self.take()
            node = ("or", node, self.and_expr())
        return node

    def and_expr(self):
        node = self.not_expr()
        while self.peek()[:2] == ("op", "&"):
            self.take()
            node = ("and", node, self.not_expr())
        return node

    def not_expr(self):
        if self.peek()[:2] == ("op", "!"):
            self.take()
            return ("not", self.not_expr())
        return self.comparison()

    def comparison(self):
        node = self.atom()
        kind, value, pos = self.peek()
        if kind == "op" and value in _COMPARE:
            self.take()
            k2, v2, p2 = self.take()
            if k2 != "num":
                raise LogicSyntaxError(f"expected an integer after {self.shown(value, pos)!r} at position {pos}")
            node = ("cmp", value, node, int(v2))
        return node

    def atom(self):
        kind, value, pos = self.take()
        if kind == "name":
            return ("bit", value)
        if (kind, value) == ("op", "("):
            node = self.expr()
            k, v, p = self.take()
            if (k, v) != ("op", ")"):
                raise LogicSyntaxError(f"missing ')' for '(' at position {pos}")
            return node
        if kind is None:
            raise LogicSyntaxError("expression ends too early")
        raise LogicSyntaxError(f"unexpected {self.shown(value, pos)!r} at position {pos}")


def parse(text):
    """Parse a line's logic into an AST; raises LogicSyntaxError."""
    return _Parser(text).parse()


def names(ast):
    """The set of input-bit names an AST uses."""
    if ast[0] == "bit":
        return {ast[1]}
    if ast[0] == "cmp":
        return names(ast[2])
    return set().union(*(names(a) for a in ast[1:]))


def evaluate(ast, bits, cache=None, packed=False):
    """Boolean array: the line for every event; ``bits`` maps name -> array (one per event).

    ``cache`` (a dict) memoises sub-expressions across calls, so lines sharing terms such as
    ``!bha_veto`` evaluate them once (results in the cache must not be modified in place).
    With ``packed=True`` every intermediate is bit-packed (np.packbits, 8 events per byte):
    the and/or/not passes then move 8 times less memory; unpack the result with
    ``np.unpackbits(result, count=n).view(bool)``.
    """
    if cache is None:
        cache = {}
    hit = cache.get((packed, ast))
    if hit is not None:
        return hit
    op = ast[0]
    if op in ("bit", "cmp"):
        if op == "bit":
            out = np.asarray(bits[ast[1]]) != 0
        else:
            value = np.asarray(bits[ast[2][1]]) if ast[2][0] == "bit" else evaluate(ast[2], bits, cache)
            out = _COMPARE[ast[1]](value, ast[3])
        if packed:
            out = np.packbits(out)
    elif op == "not":
        out = ~evaluate(ast[1], bits, cache, packed)
    elif op == "and":
        out = evaluate(ast[1], bits, cache, packed) & evaluate(ast[2], bits, cache, packed)
    else:
        out = evaluate(ast[1], bits, cache, packed) | evaluate(ast[2], bits, cache, packed)
    cache[(packed, ast)] = out
    return out
