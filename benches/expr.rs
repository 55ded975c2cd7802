//! Rule conditions: the project's compiler (`model::expr`) against `evalexpr` 11.3.1, the
//! last MIT-licensed release of the most used expression crate (12 and later are AGPL-3.0).
//! Same condition, same variable values. `cargo bench --bench expr`.

use evalexpr::{ContextWithMutableVariables, HashMapContext, Value, build_operator_tree};
use simulate::model::expr::Expr;
use std::hint::black_box;

const CONDITION: &str = "closeness.CN.technology > 0.6 && year >= 2025";

fn main() {
    divan::main();
}

#[divan::bench]
fn project_compiler(bencher: divan::Bencher) {
    let names = ["closeness.CN.technology", "year"];
    let expr = Expr::compile(CONDITION, &mut |n| {
        names
            .iter()
            .position(|x| *x == n)
            .ok_or_else(|| format!("unknown {n}"))
    })
    .expect("compiles");
    let vars = [0.65, 2026.0];
    bencher.bench_local(|| black_box(expr.holds(black_box(&vars))));
}

#[divan::bench]
fn evalexpr_11(bencher: divan::Bencher) {
    let tree = build_operator_tree(CONDITION).expect("parses");
    let mut ctx = HashMapContext::new();
    ctx.set_value("closeness.CN.technology".into(), Value::Float(0.65))
        .expect("set");
    ctx.set_value("year".into(), Value::Float(2026.0))
        .expect("set");
    bencher.bench_local(|| black_box(tree.eval_boolean_with_context(black_box(&ctx))));
}
