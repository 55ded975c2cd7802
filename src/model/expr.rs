//! Condition expressions of scenario rules (placeholder until the compiler lands).
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    source: String,
}
