//! A small compiled expression language for the conditions of scenario rules, such as
//! `closeness.CN.technology > 0.6 && year >= 2025` or `!(poll.RU < 0.3) || leeway <= 0`.
//!
//! [`Expr::compile`] parses the text once (hand-written lexer and recursive-descent parser),
//! resolves every variable to a slot index through a caller-supplied resolver, folds constant
//! sub-expressions, and produces a flat postfix program. [`Expr::eval`] runs that program with a
//! fixed-size stack on the machine stack, so evaluation never allocates.
//!
//! Grammar, lowest precedence first:
//!
//! ```text
//! or      = and { "||" and }
//! and     = cmp { "&&" cmp }
//! cmp     = sum [ ("==" | "!=" | "<" | "<=" | ">" | ">=") sum ]   (comparisons do not chain)
//! sum     = product { ("+" | "-") product }
//! product = unary { ("*" | "/") unary }
//! unary   = ("!" | "-") unary | primary
//! primary = number | "true" | "false" | variable | "(" or ")"
//! ```
//!
//! Numbers are `12`, `0.5`, `.5`, `1e-3`; variables are identifiers (`[A-Za-z_][A-Za-z0-9_]*`)
//! joined by `.`. Every value is an `f64`; booleans are `1.0` and `0.0`, and a value counts as
//! true when it is neither zero nor NaN. Arithmetic follows IEEE 754 (division by zero gives an
//! infinity or NaN).
//!
//! This module depends on nothing else in the crate (only `std`).

use std::fmt;

/// Most values the evaluation stack holds at once; deeper expressions are rejected by `compile`.
const MAX_STACK: usize = 32;

/// Most levels of nested parentheses and unary operators (bounds the parser's recursion).
const MAX_NESTING: usize = 64;

/// A compiled expression: its source text and a flat postfix program.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    source: String,
    program: Vec<Instr>,
}

/// Why an expression failed to compile.
///
/// Displays as `at column {column}: {message}`.
#[derive(Clone, Debug, PartialEq)]
pub struct ExprError {
    /// Byte offset of the offending token in the source (the source length for its end).
    pub position: usize,
    /// 1-based character column of the offending token.
    pub column: usize,
    /// What was wrong and what was expected instead.
    pub message: String,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at column {}: {}", self.column, self.message)
    }
}

impl std::error::Error for ExprError {}

impl Expr {
    /// Compiles `source`.
    ///
    /// `resolve` maps a variable name (a dotted identifier such as `closeness.CN.technology`) to
    /// the slot `eval` reads it from, or returns a message explaining what is allowed; that
    /// message becomes the error, pointing at the variable.
    pub fn compile(
        source: &str,
        resolve: &mut dyn FnMut(&str) -> Result<usize, String>,
    ) -> Result<Expr, ExprError> {
        let mut lexer = Lexer {
            src: source,
            pos: 0,
        };
        let first = lexer.next_token()?;
        if matches!(first.kind, Tok::End) {
            return Err(error_at(source, 0, "empty expression".to_string()));
        }
        let mut parser = Parser {
            src: source,
            lexer,
            tok: first,
            prev: None,
            program: Vec::new(),
            depth: 0,
            nesting: 0,
            resolve,
        };
        parser.parse_or()?;
        if !matches!(parser.tok.kind, Tok::End) {
            return Err(parser.unexpected_after_operand(None));
        }
        Ok(Expr {
            source: source.to_string(),
            program: parser.program,
        })
    }

    /// Evaluates the expression, reading variables from `vars[slot]` (NaN for a slot beyond
    /// the end of `vars`). Booleans are `1.0` / `0.0`.
    pub fn eval(&self, vars: &[f64]) -> f64 {
        // `top` caches the top of the stack; `stack[..sp]` holds the values below it (plus one
        // unused placeholder at the bottom). `compile` guarantees the program is well formed
        // (never pops an empty stack, ends with exactly one value) and never holds more than
        // MAX_STACK values, so `sp` stays below MAX_STACK and the indexing cannot fail.
        let mut stack = [0.0_f64; MAX_STACK];
        let mut sp = 0_usize;
        let mut top = f64::NAN;
        for instr in &self.program {
            match *instr {
                Instr::Const(c) => {
                    stack[sp] = top;
                    sp += 1;
                    top = c;
                }
                Instr::Var(slot) => {
                    stack[sp] = top;
                    sp += 1;
                    top = vars.get(slot).copied().unwrap_or(f64::NAN);
                }
                Instr::Neg => top = -top,
                Instr::Not => top = bool_value(!truthy(top)),
                Instr::Bin(op) => {
                    sp -= 1;
                    top = op.apply(stack[sp], top);
                }
            }
        }
        top
    }

    /// Whether the expression holds: its value is neither zero nor NaN.
    pub fn holds(&self, vars: &[f64]) -> bool {
        truthy(self.eval(vars))
    }

    /// The original source text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The slots this expression reads, sorted and without duplicates.
    pub fn slots(&self) -> Vec<usize> {
        let mut slots: Vec<usize> = self
            .program
            .iter()
            .filter_map(|instr| match *instr {
                Instr::Var(slot) => Some(slot),
                _ => None,
            })
            .collect();
        slots.sort_unstable();
        slots.dedup();
        slots
    }
}

/// Whether a value counts as true: neither zero nor NaN.
#[inline(always)]
fn truthy(x: f64) -> bool {
    x != 0.0 && !x.is_nan()
}

/// `1.0` for true, `0.0` for false.
#[inline(always)]
fn bool_value(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// One instruction of the postfix program.
#[derive(Clone, Copy, Debug)]
enum Instr {
    /// Push a constant.
    Const(f64),
    /// Push `vars[slot]`.
    Var(usize),
    /// Negate the top value.
    Neg,
    /// Logical not of the top value.
    Not,
    /// Pop the right operand and combine it with the left one below it.
    Bin(BinOp),
}

impl PartialEq for Instr {
    fn eq(&self, other: &Self) -> bool {
        match (*self, *other) {
            // Bitwise, so a folded NaN constant still equals itself.
            (Instr::Const(a), Instr::Const(b)) => a.to_bits() == b.to_bits(),
            (Instr::Var(a), Instr::Var(b)) => a == b,
            (Instr::Neg, Instr::Neg) | (Instr::Not, Instr::Not) => true,
            (Instr::Bin(a), Instr::Bin(b)) => a == b,
            _ => false,
        }
    }
}

/// A binary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

impl BinOp {
    /// Applies the operator (used both by `eval` and by constant folding, so they agree).
    #[inline(always)]
    // `==` and `!=` in the language are exact IEEE comparisons by definition.
    #[allow(clippy::float_cmp)]
    fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            BinOp::Add => a + b,
            BinOp::Sub => a - b,
            BinOp::Mul => a * b,
            BinOp::Div => a / b,
            BinOp::Eq => bool_value(a == b),
            BinOp::Ne => bool_value(a != b),
            BinOp::Lt => bool_value(a < b),
            BinOp::Le => bool_value(a <= b),
            BinOp::Gt => bool_value(a > b),
            BinOp::Ge => bool_value(a >= b),
            BinOp::And => bool_value(truthy(a) && truthy(b)),
            BinOp::Or => bool_value(truthy(a) || truthy(b)),
        }
    }
}

/// An error at byte `position` of `src`, with its 1-based character column.
fn error_at(src: &str, position: usize, message: String) -> ExprError {
    let column = src
        .char_indices()
        .take_while(|&(i, _)| i < position)
        .count()
        + 1;
    ExprError {
        position,
        column,
        message,
    }
}

/// Kinds of tokens.
#[derive(Clone, Copy, Debug)]
enum Tok {
    Num(f64),
    Ident,
    True,
    False,
    LParen,
    RParen,
    Bang,
    Plus,
    Minus,
    Star,
    Slash,
    AndAnd,
    OrOr,
    EqEq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    End,
}

/// A token: its kind and its byte range in the source.
#[derive(Clone, Copy, Debug)]
struct Token {
    kind: Tok,
    start: usize,
    end: usize,
}

/// Splits the source into tokens on demand. `pos` is always on a character boundary: it only
/// moves over ASCII bytes or whole characters.
struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl Lexer<'_> {
    /// The byte at `at`, or 0 past the end (0 matches no token class).
    fn byte(&self, at: usize) -> u8 {
        self.src.as_bytes().get(at).copied().unwrap_or(0)
    }

    /// The character starting at byte `at`, if any.
    fn char_at(&self, at: usize) -> Option<char> {
        self.src.get(at..).and_then(|rest| rest.chars().next())
    }

    /// How to name what is at byte `at` in a message.
    fn describe_at(&self, at: usize) -> String {
        match self.char_at(at) {
            Some(c) => format!("'{}'", c.escape_debug()),
            None => "end of expression".to_string(),
        }
    }

    fn error(&self, at: usize, message: String) -> ExprError {
        error_at(self.src, at, message)
    }

    fn next_token(&mut self) -> Result<Token, ExprError> {
        while let Some(c) = self.char_at(self.pos).filter(|c| c.is_whitespace()) {
            self.pos += c.len_utf8();
        }
        let start = self.pos;
        let Some(c) = self.char_at(start) else {
            return Ok(Token {
                kind: Tok::End,
                start,
                end: start,
            });
        };
        let next = self.byte(start + 1);
        let (kind, len) = match c {
            '(' => (Tok::LParen, 1),
            ')' => (Tok::RParen, 1),
            '+' => (Tok::Plus, 1),
            '-' => (Tok::Minus, 1),
            '*' => (Tok::Star, 1),
            '/' => (Tok::Slash, 1),
            '!' if next == b'=' => (Tok::NotEq, 2),
            '!' => (Tok::Bang, 1),
            '=' if next == b'=' => (Tok::EqEq, 2),
            '=' => return Err(self.error(start, "use == to compare".to_string())),
            '<' if next == b'=' => (Tok::Le, 2),
            '<' => (Tok::Lt, 1),
            '>' if next == b'=' => (Tok::Ge, 2),
            '>' => (Tok::Gt, 1),
            '&' if next == b'&' => (Tok::AndAnd, 2),
            '&' => return Err(self.error(start, "use && for logical and".to_string())),
            '|' if next == b'|' => (Tok::OrOr, 2),
            '|' => return Err(self.error(start, "use || for logical or".to_string())),
            '0'..='9' => return self.number(start),
            '.' if next.is_ascii_digit() => return self.number(start),
            '.' => {
                return Err(self.error(
                    start,
                    "unexpected '.': a number needs a digit after '.', and a name cannot start \
                     with '.'"
                        .to_string(),
                ));
            }
            'A'..='Z' | 'a'..='z' | '_' => return self.identifier(start),
            other => {
                return Err(self.error(
                    start,
                    format!("unknown character '{}'", other.escape_debug()),
                ));
            }
        };
        self.pos = start + len;
        Ok(Token {
            kind,
            start,
            end: self.pos,
        })
    }

    /// Skips ASCII digits from `at`, returning the first position after them.
    fn digits(&self, mut at: usize) -> usize {
        while self.byte(at).is_ascii_digit() {
            at += 1;
        }
        at
    }

    /// Lexes a number starting at `start` (a digit, or '.' followed by a digit).
    fn number(&mut self, start: usize) -> Result<Token, ExprError> {
        let mut end = self.digits(start);
        if self.byte(end) == b'.' {
            end = self.digits(end + 1);
        }
        if matches!(self.byte(end), b'e' | b'E') {
            let mut exp = end + 1;
            if matches!(self.byte(exp), b'+' | b'-') {
                exp += 1;
            }
            if !self.byte(exp).is_ascii_digit() {
                return Err(self.error(
                    exp,
                    format!(
                        "expected digits in the exponent of number '{}', found {}",
                        &self.src[start..exp],
                        self.describe_at(exp)
                    ),
                ));
            }
            end = self.digits(exp);
        }
        let text = &self.src[start..end];
        let after = self.byte(end);
        if after.is_ascii_alphanumeric() || after == b'_' || after == b'.' {
            return Err(self.error(
                end,
                format!("unexpected {} after number '{text}'", self.describe_at(end)),
            ));
        }
        let value: f64 = text
            .parse()
            .map_err(|_| self.error(start, format!("invalid number '{text}'")))?;
        self.pos = end;
        Ok(Token {
            kind: Tok::Num(value),
            start,
            end,
        })
    }

    /// Lexes a dotted identifier (or `true` / `false`) starting at `start`.
    fn identifier(&mut self, start: usize) -> Result<Token, ExprError> {
        let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        let mut end = start;
        loop {
            while is_word(self.byte(end)) {
                end += 1;
            }
            if self.byte(end) != b'.' {
                break;
            }
            let segment = end + 1;
            let b = self.byte(segment);
            if !(b.is_ascii_alphabetic() || b == b'_') {
                return Err(self.error(
                    segment,
                    format!(
                        "expected a name after '.' in '{}', found {}",
                        &self.src[start..segment],
                        self.describe_at(segment)
                    ),
                ));
            }
            end = segment;
        }
        let kind = match &self.src[start..end] {
            "true" => Tok::True,
            "false" => Tok::False,
            _ => Tok::Ident,
        };
        self.pos = end;
        Ok(Token { kind, start, end })
    }
}

/// Recursive-descent parser emitting postfix code as it goes.
struct Parser<'a, 'r> {
    src: &'a str,
    lexer: Lexer<'a>,
    /// The current (not yet consumed) token.
    tok: Token,
    /// The last consumed token.
    prev: Option<Token>,
    program: Vec<Instr>,
    /// Values on the evaluation stack after the code emitted so far.
    depth: usize,
    /// Current nesting of parentheses and unary operators.
    nesting: usize,
    resolve: &'r mut dyn FnMut(&str) -> Result<usize, String>,
}

impl Parser<'_, '_> {
    fn text(&self, t: Token) -> &str {
        &self.src[t.start..t.end]
    }

    fn describe(&self, t: Token) -> String {
        match t.kind {
            Tok::End => "end of expression".to_string(),
            _ => format!("'{}'", self.text(t)),
        }
    }

    fn error(&self, at: usize, message: String) -> ExprError {
        error_at(self.src, at, message)
    }

    fn column(&self, t: Token) -> usize {
        error_at(self.src, t.start, String::new()).column
    }

    /// Consumes the current token and returns it.
    fn advance(&mut self) -> Result<Token, ExprError> {
        let next = self.lexer.next_token()?;
        let current = std::mem::replace(&mut self.tok, next);
        self.prev = Some(current);
        Ok(current)
    }

    fn enter(&mut self, t: Token) -> Result<(), ExprError> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err(self.error(
                t.start,
                format!(
                    "expression nested too deeply (more than {MAX_NESTING} levels of \
                     parentheses and unary operators)"
                ),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.nesting -= 1;
    }

    /// Emits an instruction that pushes a value (token `t` is blamed if the stack overflows).
    fn push(&mut self, instr: Instr, t: Token) -> Result<(), ExprError> {
        if self.depth >= MAX_STACK {
            return Err(self.error(
                t.start,
                format!(
                    "expression too complex: evaluating it would hold more than {MAX_STACK} \
                     intermediate values; split it or nest less to the right"
                ),
            ));
        }
        self.depth += 1;
        self.program.push(instr);
        Ok(())
    }

    /// Emits a unary operator, folding it into a constant operand.
    fn emit_unary(&mut self, instr: Instr) {
        if let Some(Instr::Const(c)) = self.program.last_mut() {
            *c = match instr {
                Instr::Neg => -*c,
                _ => bool_value(!truthy(*c)),
            };
        } else {
            self.program.push(instr);
        }
    }

    /// Emits a binary operator, folding it when both operands are constants.
    fn emit_binary(&mut self, op: BinOp) {
        self.depth -= 1;
        // If the last two instructions are constant pushes, they are exactly the two operands.
        if let [.., Instr::Const(a), Instr::Const(b)] = self.program[..] {
            self.program.pop();
            if let Some(last) = self.program.last_mut() {
                *last = Instr::Const(op.apply(a, b));
            }
        } else {
            self.program.push(Instr::Bin(op));
        }
    }

    fn parse_or(&mut self) -> Result<(), ExprError> {
        self.parse_and()?;
        while matches!(self.tok.kind, Tok::OrOr) {
            self.advance()?;
            self.parse_and()?;
            self.emit_binary(BinOp::Or);
        }
        Ok(())
    }

    fn parse_and(&mut self) -> Result<(), ExprError> {
        self.parse_comparison()?;
        while matches!(self.tok.kind, Tok::AndAnd) {
            self.advance()?;
            self.parse_comparison()?;
            self.emit_binary(BinOp::And);
        }
        Ok(())
    }

    fn comparison_op(kind: Tok) -> Option<BinOp> {
        match kind {
            Tok::EqEq => Some(BinOp::Eq),
            Tok::NotEq => Some(BinOp::Ne),
            Tok::Lt => Some(BinOp::Lt),
            Tok::Le => Some(BinOp::Le),
            Tok::Gt => Some(BinOp::Gt),
            Tok::Ge => Some(BinOp::Ge),
            _ => None,
        }
    }

    fn parse_comparison(&mut self) -> Result<(), ExprError> {
        self.parse_sum()?;
        if let Some(op) = Self::comparison_op(self.tok.kind) {
            let first = self.advance()?;
            self.parse_sum()?;
            self.emit_binary(op);
            if Self::comparison_op(self.tok.kind).is_some() {
                return Err(self.error(
                    self.tok.start,
                    format!(
                        "comparisons cannot be chained ('{}' after '{}'); combine them with &&, \
                         e.g. a < b && b < c, or add parentheses",
                        self.text(self.tok),
                        self.text(first)
                    ),
                ));
            }
        }
        Ok(())
    }

    fn parse_sum(&mut self) -> Result<(), ExprError> {
        self.parse_product()?;
        loop {
            let op = match self.tok.kind {
                Tok::Plus => BinOp::Add,
                Tok::Minus => BinOp::Sub,
                _ => return Ok(()),
            };
            self.advance()?;
            self.parse_product()?;
            self.emit_binary(op);
        }
    }

    fn parse_product(&mut self) -> Result<(), ExprError> {
        self.parse_unary()?;
        loop {
            let op = match self.tok.kind {
                Tok::Star => BinOp::Mul,
                Tok::Slash => BinOp::Div,
                _ => return Ok(()),
            };
            self.advance()?;
            self.parse_unary()?;
            self.emit_binary(op);
        }
    }

    fn parse_unary(&mut self) -> Result<(), ExprError> {
        let instr = match self.tok.kind {
            Tok::Bang => Instr::Not,
            Tok::Minus => Instr::Neg,
            _ => return self.parse_primary(),
        };
        let t = self.advance()?;
        self.enter(t)?;
        self.parse_unary()?;
        self.leave();
        self.emit_unary(instr);
        Ok(())
    }

    fn parse_primary(&mut self) -> Result<(), ExprError> {
        let t = self.tok;
        match t.kind {
            Tok::Num(v) => {
                self.advance()?;
                self.push(Instr::Const(v), t)
            }
            Tok::True | Tok::False => {
                self.advance()?;
                self.push(Instr::Const(bool_value(matches!(t.kind, Tok::True))), t)
            }
            Tok::Ident => {
                self.advance()?;
                let name = &self.src[t.start..t.end];
                if name == "not" && starts_operand(self.tok.kind) {
                    return Err(self.error(t.start, "use ! instead of not".to_string()));
                }
                let slot = (self.resolve)(name).map_err(|message| self.error(t.start, message))?;
                self.push(Instr::Var(slot), t)
            }
            Tok::LParen => {
                self.advance()?;
                self.enter(t)?;
                self.parse_or()?;
                self.leave();
                if matches!(self.tok.kind, Tok::RParen) {
                    self.advance()?;
                    Ok(())
                } else {
                    Err(self.unexpected_after_operand(Some(t)))
                }
            }
            _ => Err(self.expected_operand()),
        }
    }

    /// The error for a current token that cannot start an operand.
    fn expected_operand(&self) -> ExprError {
        let t = self.tok;
        let message = match (self.prev, t.kind) {
            (None, Tok::RParen) => "unexpected ')' (no matching '(')".to_string(),
            (None, _) => format!("expected an operand, found {}", self.describe(t)),
            (Some(p), Tok::End) => format!("expected an operand after '{}'", self.text(p)),
            (Some(p), _) => format!(
                "expected an operand after '{}', found {}",
                self.text(p),
                self.describe(t)
            ),
        };
        self.error(t.start, message)
    }

    /// The error for a current token that cannot follow a complete operand, inside the
    /// parenthesis `open` or at the top level.
    fn unexpected_after_operand(&self, open: Option<Token>) -> ExprError {
        let t = self.tok;
        let found = self.describe(t);
        let message = match (t.kind, open) {
            (Tok::Ident, _) if self.text(t) == "and" => "use && instead of and".to_string(),
            (Tok::Ident, _) if self.text(t) == "or" => "use || instead of or".to_string(),
            (Tok::End, Some(o)) => format!("unclosed '(' opened at column {}", self.column(o)),
            (Tok::RParen, None) => "unexpected ')' (no matching '(')".to_string(),
            (_, None) => format!("expected an operator or end of expression, found {found}"),
            (_, Some(o)) => format!(
                "expected an operator or ')' to close '(' opened at column {}, found {found}",
                self.column(o)
            ),
        };
        self.error(t.start, message)
    }
}

/// Whether a token can start an operand.
fn starts_operand(kind: Tok) -> bool {
    matches!(
        kind,
        Tok::Num(_) | Tok::Ident | Tok::True | Tok::False | Tok::LParen | Tok::Bang | Tok::Minus
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NAMES: &[&str] = &[
        "x",
        "y",
        "year",
        "leeway",
        "closeness.CN.technology",
        "poll.RU",
    ];

    fn resolver(name: &str) -> Result<usize, String> {
        NAMES
            .iter()
            .position(|n| *n == name)
            .ok_or_else(|| format!("unknown variable '{name}'; known: {}", NAMES.join(", ")))
    }

    fn compile(source: &str) -> Result<Expr, ExprError> {
        Expr::compile(source, &mut resolver)
    }

    /// Evaluates with x=2, y=3, year=2025, leeway=0, closeness.CN.technology=0.7, poll.RU=0.2.
    fn ev(source: &str) -> f64 {
        let vars = [2.0, 3.0, 2025.0, 0.0, 0.7, 0.2];
        match compile(source) {
            Ok(e) => e.eval(&vars),
            Err(e) => panic!("{source:?} failed: {e}"),
        }
    }

    fn same(a: f64, b: f64) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }

    #[track_caller]
    fn check(source: &str, expected: f64) {
        let got = ev(source);
        assert!(
            same(got, expected) || (got - expected).abs() < 1e-12,
            "{source:?} gave {got}, expected {expected}"
        );
    }

    /// Asserts that `source` fails at `column` with a message containing `needle`.
    #[track_caller]
    fn check_err(source: &str, column: usize, needle: &str) {
        match compile(source) {
            Ok(e) => panic!("{source:?} compiled to {e:?}"),
            Err(e) => {
                assert_eq!(e.column, column, "{source:?}: {e}");
                assert!(e.message.contains(needle), "{source:?}: {e}");
                assert!(source.is_char_boundary(e.position), "{source:?}: {e:?}");
                assert_eq!(
                    source[..e.position].chars().count() + 1,
                    e.column,
                    "{source:?}: {e:?}"
                );
            }
        }
    }

    #[test]
    fn literals() {
        check("12", 12.0);
        check("0.5", 0.5);
        check(".5", 0.5);
        check("1.", 1.0);
        check("1e-3", 1e-3);
        check("2E+2", 200.0);
        check("1.5e2", 150.0);
        check("true", 1.0);
        check("false", 0.0);
    }

    #[test]
    fn precedence() {
        check("1 + 2 * 3", 7.0);
        check("(1 + 2) * 3", 9.0);
        check("2 - 3 - 4", -5.0);
        check("8 / 4 / 2", 1.0);
        check("-2 * 3", -6.0);
        check("- -2", 2.0);
        check("-x * -y", 6.0);
        check("!0 + 1", 2.0);
        check("!(0 + 1)", 0.0);
        check("1 + 2 < 4", 1.0);
        check("1 + 2 == 3", 1.0);
        check("(1 < 2) == 1", 1.0);
        check("true || false && false", 1.0);
        check("(true || false) && false", 0.0);
        check("1 < 2 && 3 > 4 || 5 >= 5", 1.0);
        check("(x * y - 1 > 4) == false", 0.0);
        check("x*y+1", 7.0);
    }

    #[test]
    fn comparisons_and_logic() {
        check("1 == 1", 1.0);
        check("1 != 1", 0.0);
        check("1 <= 1", 1.0);
        check("1 < 1", 0.0);
        check("2 >= 3", 0.0);
        check("2 > -3", 1.0);
        check("2 && 3", 1.0);
        check("0 || -0.5", 1.0);
        check("0 || 0", 0.0);
        check("!2", 0.0);
        check("!!2", 1.0);
    }

    #[test]
    fn ieee_division() {
        check("1 / 0", f64::INFINITY);
        check("-1 / 0", f64::NEG_INFINITY);
        assert!(ev("0 / 0").is_nan());
        assert!(ev("x / leeway - x / leeway").is_nan());
        check("1 / 0 > 1e308", 1.0);
    }

    #[test]
    fn nan_is_false() {
        let e = compile("0/0").unwrap();
        assert!(!e.holds(&[]));
        check("!(0/0)", 1.0);
        check("(0/0) || 0", 0.0);
        check("(0/0) == (0/0)", 0.0);
        check("(0/0) != (0/0)", 1.0);
    }

    #[test]
    fn rule_conditions() {
        check("closeness.CN.technology > 0.6 && year >= 2025", 1.0);
        check("!(poll.RU < 0.3) || leeway <= 0", 1.0);
        check("!(poll.RU < 0.3) || leeway < 0", 0.0);
        let e = compile("closeness.CN.technology > 0.6 && year >= 2025").unwrap();
        assert!(e.holds(&[0.0, 0.0, 2025.0, 0.0, 0.61, 0.0]));
        assert!(!e.holds(&[0.0, 0.0, 2024.0, 0.0, 0.61, 0.0]));
        assert!(!e.holds(&[0.0, 0.0, 2025.0, 0.0, 0.6, 0.0]));
        assert_eq!(e.source(), "closeness.CN.technology > 0.6 && year >= 2025");
        assert_eq!(e.slots(), vec![2, 4]);
    }

    #[test]
    fn variable_resolution() {
        let mut asked = Vec::new();
        let mut resolve = |name: &str| {
            asked.push(name.to_string());
            match name {
                "a.b_c.D9" => Ok(7),
                "_z" => Ok(1),
                _ => Err(format!("no such variable '{name}'")),
            }
        };
        let e = Expr::compile("a.b_c.D9 + _z * a.b_c.D9", &mut resolve).unwrap();
        assert_eq!(e.slots(), vec![1, 7]);
        let mut vars = [0.0; 8];
        vars[7] = 2.0;
        vars[1] = 10.0;
        assert!((e.eval(&vars) - 22.0).abs() < 1e-12);
        // Out-of-bounds slots read as NaN rather than panicking.
        assert!(e.eval(&[1.0]).is_nan());
        assert!(!e.holds(&[]));

        let err = Expr::compile("1 + nope.x", &mut resolve).unwrap_err();
        assert_eq!((err.position, err.column), (4, 5));
        assert_eq!(err.message, "no such variable 'nope.x'");
        assert_eq!(asked, ["a.b_c.D9", "_z", "a.b_c.D9", "nope.x"]);
        assert_eq!(err.to_string(), "at column 5: no such variable 'nope.x'");
        check_err("x + unknown", 5, "unknown variable 'unknown'; known: x, y");
        // Identifier-like words that are not keywords go to the resolver.
        check_err("True", 1, "unknown variable 'True'");
    }

    #[test]
    fn clone_and_eq() {
        let e = compile("x < 1 || 0/0").unwrap();
        assert_eq!(e.clone(), e);
        assert_ne!(compile("x < 1").unwrap(), compile("x < 2").unwrap());
        assert!(format!("{e:?}").contains("x < 1"));
    }

    #[test]
    fn constants_fold() {
        let e = compile("-(1 + 2) * 3 < !0 && true").unwrap();
        assert_eq!(e.program, vec![Instr::Const(1.0)]);
        assert!(e.slots().is_empty());
        let e = compile("x * (2 + 3)").unwrap();
        assert_eq!(
            e.program,
            vec![Instr::Var(0), Instr::Const(5.0), Instr::Bin(BinOp::Mul)]
        );
    }

    #[test]
    fn errors() {
        check_err("", 1, "empty expression");
        check_err("   ", 1, "empty expression");
        check_err("x &&", 5, "expected an operand after '&&'");
        check_err("x && )", 6, "expected an operand after '&&', found ')'");
        check_err("x + * y", 5, "expected an operand after '+', found '*'");
        check_err("!", 2, "expected an operand after '!'");
        check_err("()", 2, "expected an operand after '(', found ')'");
        check_err("+x", 1, "expected an operand, found '+'");
        check_err("x + (y * (1 + 2)", 17, "unclosed '(' opened at column 5");
        check_err("((x)", 5, "unclosed '(' opened at column 1");
        check_err("x)", 2, "unexpected ')'");
        check_err(")", 1, "unexpected ')'");
        check_err(
            "(x y)",
            4,
            "expected an operator or ')' to close '(' opened at column 1",
        );
        check_err(
            "x y",
            3,
            "expected an operator or end of expression, found 'y'",
        );
        check_err("x # y", 3, "unknown character '#'");
        check_err("x = 1", 3, "use == to compare");
        check_err("x & y", 3, "use && for logical and");
        check_err("x | y", 3, "use || for logical or");
        check_err("x and y", 3, "use && instead of and");
        check_err("(x or y)", 4, "use || instead of or");
        check_err("not x", 1, "use ! instead of not");
        check_err("not (x)", 1, "use ! instead of not");
        check_err(
            "x < y < 1",
            7,
            "comparisons cannot be chained ('<' after '<')",
        );
        check_err("x == y >= 1", 8, "comparisons cannot be chained");
        check_err("1e", 3, "expected digits in the exponent of number '1e'");
        check_err("1e+ 2", 4, "expected digits in the exponent");
        check_err("12abc", 3, "unexpected 'a' after number '12'");
        check_err("1.2.3", 4, "unexpected '.' after number '1.2'");
        check_err("poll.", 6, "expected a name after '.' in 'poll.'");
        check_err(
            "poll.5",
            6,
            "expected a name after '.' in 'poll.', found '5'",
        );
        check_err(". 5", 1, "unexpected '.'");
    }

    #[test]
    fn non_ascii() {
        check_err("é", 1, "unknown character 'é'");
        check_err("x > 0.5 && ü < 1", 12, "unknown character 'ü'");
        check_err("closenéss > 1", 7, "unknown character 'é'");
        check_err("x + 日本", 5, "unknown character '日'");
        check_err("1é", 2, "unknown character 'é'");
        check_err("(日", 2, "unknown character '日'");
        check_err("x\u{a0}>\u{2003}1 &&", 9, "expected an operand after '&&'");
        let err = compile("ää ").unwrap_err();
        assert_eq!(err.position, 0);
        let err = compile("x + 日本").unwrap_err();
        assert_eq!((err.position, err.column), (4, 5));
        let err = compile("x + 1 日本").unwrap_err();
        assert_eq!((err.position, err.column), (6, 7));
        let err = compile("日本 &&").unwrap_err();
        assert_eq!(err.column, 1);
    }

    #[test]
    fn limits() {
        // Right-nested sums need one stack slot per level; left-nested ones do not.
        let right = |n: usize| format!("{}x{}", "(x + ".repeat(n), ")".repeat(n));
        assert!(compile(&right(MAX_STACK - 1)).is_ok());
        let err = compile(&right(MAX_STACK)).unwrap_err();
        assert!(err.message.contains("too complex"), "{err}");
        // The error blames the variable that would be the 33rd value.
        assert_eq!(err.position, "(x + ".len() * MAX_STACK);
        let left = vec!["x"; 10_000].join(" + ");
        let e = compile(&left).unwrap();
        assert!((e.eval(&[1.0]) - 10_000.0).abs() < 1e-9);
        // Deep parentheses and unary chains are rejected, not a stack overflow.
        let parens = format!("{}x{}", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
        assert!(compile(&parens).is_ok());
        let parens = format!("{}x{}", "(".repeat(100_000), ")".repeat(100_000));
        let err = compile(&parens).unwrap_err();
        assert!(err.message.contains("nested too deeply"), "{err}");
        assert_eq!(err.column, MAX_NESTING + 1);
        let err = compile(&format!("{}x", "!-".repeat(100_000))).unwrap_err();
        assert!(err.message.contains("nested too deeply"), "{err}");
    }

    /// An expression tree for the property tests.
    #[derive(Clone, Debug)]
    enum Tree {
        Num(f64),
        Bool(bool),
        Var(usize),
        Unary(char, Box<Tree>),
        Binary(&'static str, Box<Tree>, Box<Tree>),
    }

    const BINARY: &[&str] = &[
        "+", "-", "*", "/", "==", "!=", "<", "<=", ">", ">=", "&&", "||",
    ];

    fn tree() -> impl Strategy<Value = Tree> {
        let number = prop_oneof![
            (0_u32..100).prop_map(f64::from),
            0.0_f64..1000.0,
            Just(0.0),
            Just(1e-3),
            Just(1e300),
            Just(f64::MAX),
        ];
        let leaf = prop_oneof![
            number.prop_map(Tree::Num),
            any::<bool>().prop_map(Tree::Bool),
            (0..NAMES.len()).prop_map(Tree::Var),
        ];
        leaf.prop_recursive(7, 64, 2, |inner| {
            prop_oneof![
                (prop::sample::select(vec!['-', '!']), inner.clone())
                    .prop_map(|(op, e)| Tree::Unary(op, Box::new(e))),
                (prop::sample::select(BINARY), inner.clone(), inner)
                    .prop_map(|(op, l, r)| Tree::Binary(op, Box::new(l), Box::new(r))),
            ]
        })
    }

    fn var_value() -> impl Strategy<Value = f64> {
        prop_oneof![
            -5.0_f64..5.0,
            (-3_i32..3).prop_map(f64::from),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(-0.0),
        ]
    }

    fn print(t: &Tree, spaced: bool) -> String {
        match t {
            Tree::Num(v) => format!("{v:?}"),
            Tree::Bool(b) => b.to_string(),
            Tree::Var(i) => NAMES[*i].to_string(),
            Tree::Unary(op, e) => format!("({op}{})", print(e, spaced)),
            Tree::Binary(op, l, r) if spaced => {
                format!("({} {op} {})", print(l, spaced), print(r, spaced))
            }
            Tree::Binary(op, l, r) => format!("({}{op}{})", print(l, spaced), print(r, spaced)),
        }
    }

    fn reference(t: &Tree, vars: &[f64]) -> f64 {
        let b = |x: bool| if x { 1.0 } else { 0.0 };
        let t_ = |x: f64| x != 0.0 && !x.is_nan();
        match t {
            Tree::Num(v) => *v,
            Tree::Bool(x) => b(*x),
            Tree::Var(i) => vars[*i],
            Tree::Unary('-', e) => -reference(e, vars),
            Tree::Unary(_, e) => b(!t_(reference(e, vars))),
            Tree::Binary(op, l, r) => {
                let (x, y) = (reference(l, vars), reference(r, vars));
                match *op {
                    "+" => x + y,
                    "-" => x - y,
                    "*" => x * y,
                    "/" => x / y,
                    "==" => b(x.partial_cmp(&y) == Some(std::cmp::Ordering::Equal)),
                    "!=" => b(x.partial_cmp(&y) != Some(std::cmp::Ordering::Equal)),
                    "<" => b(x < y),
                    "<=" => b(x <= y),
                    ">" => b(x > y),
                    ">=" => b(x >= y),
                    "&&" => b(t_(x) && t_(y)),
                    _ => b(t_(x) || t_(y)),
                }
            }
        }
    }

    fn collect_slots(t: &Tree, out: &mut Vec<usize>) {
        match t {
            Tree::Var(i) => out.push(*i),
            Tree::Unary(_, e) => collect_slots(e, out),
            Tree::Binary(_, l, r) => {
                collect_slots(l, out);
                collect_slots(r, out);
            }
            Tree::Num(_) | Tree::Bool(_) => {}
        }
    }

    /// Checks that an error points at a character boundary with a matching column.
    fn check_position(source: &str, result: &Result<Expr, ExprError>) {
        if let Err(e) = result {
            assert!(e.position <= source.len(), "{source:?}: {e:?}");
            assert!(source.is_char_boundary(e.position), "{source:?}: {e:?}");
            assert_eq!(source[..e.position].chars().count() + 1, e.column);
            assert!(!e.message.is_empty());
        }
    }

    const TOKENS: &[&str] = &[
        "x", "poll.RU", "a.", "1", "0.5", ".5", "1e-3", "1e", "&&", "||", "&", "|", "!", "-", "+",
        "*", "/", "(", ")", "<", "<=", ">", ">=", "==", "!=", "=", "and", "or", "not", "true",
        "false", " ", ".", "é", "日", "#", "\u{a0}", "_",
    ];

    proptest! {
        #[test]
        fn compile_never_panics_on_any_string(s in ".*") {
            let result = compile(&s);
            check_position(&s, &result);
            if let Ok(e) = result {
                let _ = e.eval(&[1.0; 6]);
            }
        }

        #[test]
        fn compile_never_panics_on_token_soup(
            tokens in prop::collection::vec(prop::sample::select(TOKENS), 0..24)
        ) {
            let s = tokens.concat();
            let result = compile(&s);
            check_position(&s, &result);
            if let Ok(e) = result {
                let _ = e.eval(&[1.0, f64::NAN]);
            }
        }

        #[test]
        fn eval_matches_tree(
            t in tree(),
            vars in prop::collection::vec(var_value(), NAMES.len()),
            spaced in any::<bool>(),
        ) {
            let source = print(&t, spaced);
            let e = compile(&source).map_err(|e| TestCaseError::fail(format!("{source}: {e}")))?;
            let (got, want) = (e.eval(&vars), reference(&t, &vars));
            prop_assert!(same(got, want), "{} gave {} want {}", source, got, want);
            prop_assert_eq!(e.holds(&vars), want != 0.0 && !want.is_nan());
            let mut slots = Vec::new();
            collect_slots(&t, &mut slots);
            slots.sort_unstable();
            slots.dedup();
            prop_assert_eq!(e.slots(), slots);
            prop_assert_eq!(e.source(), source.as_str());
        }
    }
}
