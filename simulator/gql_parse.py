"""Just enough GraphQL parsing to find an operation's root fields and their arguments.

The simulator answers a handful of root fields with whole objects, so selection sets are
skipped rather than interpreted; a GraphQL library would be a dependency for nothing.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(r'''
    (?P<skip>[\s,\ufeff]+|\#[^\n]*)
  | (?P<block>"""[\s\S]*?""")
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<name>\$?[_A-Za-z][_0-9A-Za-z]*)
  | (?P<punct>\.\.\.|[{}()\[\]:!=@|&])
''', re.VERBOSE)
_CONSTANTS = {"true": True, "false": False, "null": None}


class QueryError(ValueError):
    """The query cannot be read; answered as a GraphQL error, as Shopify does for syntax errors."""


@dataclass(frozen=True)
class Field:
    alias: str
    name: str
    args: dict[str, Any]


def parse(query: str, variables: dict[str, Any] | None = None) -> tuple[str, list[Field]]:
    """The operation type ("query" or "mutation") and its root fields, variables substituted."""
    tokens = []
    pos = 0
    while pos < len(query):
        match = _TOKEN.match(query, pos)
        if match is None:
            raise QueryError(f"Parse error on {query[pos]!r} at offset {pos}")
        if match.lastgroup != "skip":
            tokens.append((match.lastgroup, match.group()))
        pos = match.end()
    return _Parser(tokens, variables or {}).document()


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], variables: dict[str, Any]) -> None:
        self.tokens, self.variables, self.at = tokens, variables, 0

    def peek(self) -> str:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else ""

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            raise QueryError("Parse error: unexpected end of query")
        kind, text = self.tokens[self.at]
        if expected is not None and text != expected:
            raise QueryError(f"Parse error on {text!r}: expected {expected!r}")
        self.at += 1
        return kind, text

    def document(self) -> tuple[str, list[Field]]:
        operation = self.peek() if self.peek() in ("query", "mutation", "subscription") else "query"
        depth = 0
        while depth or self.peek() != "{":
            text = self.take()[1]
            depth += {"(": 1, ")": -1}.get(text, 0)
        fields = self.selection_set()
        if self.at != len(self.tokens):
            raise QueryError("Only one operation per request is supported by the simulator")
        return operation, fields

    def selection_set(self) -> list[Field]:
        self.take("{")
        fields = []
        while self.peek() != "}":
            fields.append(self.field())
        self.take("}")
        return fields

    def field(self) -> Field:
        kind, name = self.take()
        if kind != "name" or name.startswith("$"):
            raise QueryError(f"Parse error on {name!r}: fragments are not supported by the simulator")
        alias = name
        if self.peek() == ":":
            self.take()
            name = self.take()[1]
        args = self.arguments() if self.peek() == "(" else {}
        while self.peek() == "@":
            self.take()
            self.take()
            if self.peek() == "(":
                self.arguments()
        if self.peek() == "{":
            self.skip_block()
        return Field(alias, name, args)

    def arguments(self) -> dict[str, Any]:
        self.take("(")
        args = {}
        while self.peek() != ")":
            name = self.take()[1]
            self.take(":")
            args[name] = self.value()
        self.take(")")
        return args

    def value(self) -> Any:
        kind, text = self.take()
        if kind == "name":
            if text.startswith("$"):
                return self.variables.get(text[1:])
            return _CONSTANTS.get(text, text)
        if kind == "string":
            return json.loads(text)
        if kind == "block":
            return text[3:-3].strip()
        if kind == "number":
            return float(text) if any(c in text for c in ".eE") else int(text)
        if text == "[":
            items = []
            while self.peek() != "]":
                items.append(self.value())
            self.take("]")
            return items
        if text == "{":
            obj = {}
            while self.peek() != "}":
                key = self.take()[1]
                self.take(":")
                obj[key] = self.value()
            self.take("}")
            return obj
        raise QueryError(f"Parse error on {text!r}: expected a value")

    def skip_block(self) -> None:
        depth = 0
        while True:
            text = self.take()[1]
            depth += {"{": 1, "}": -1}.get(text, 0)
            if depth == 0:
                return
