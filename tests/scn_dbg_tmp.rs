use simulate::scenario::*;
use std::path::Path;
#[test]
fn dbg() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let s = load(&dir.join("nested/grandchild.toml"), &[]).unwrap();
    let again = load_str(&s.resolved_toml, "r.toml", Path::new("."), &[]).unwrap();
    let a = format!("{:#?}", s.base); let b = format!("{:#?}", again.base);
    for (x, y) in a.lines().zip(b.lines()) { if x != y { println!("{x}\n{y}\n"); } }
    let s = load_str("", "t.toml", &dir, &["rivalry.US-CN.technology=2".into(), "rivalry.EU-US=0.25".into()]).unwrap();
    println!("{}", s.resolved_toml.lines().filter(|l| l.contains("-")).collect::<Vec<_>>().join("\n"));
}
