//! The fully resolved scenario as TOML text: written section by section while the scenario is
//! converted, so that every parameter appears (defaults included) in the form it was given
//! (plain, with provenance, or as a distribution). Loading the text gives the same `Params`
//! and the same uncertain parameters. Pure text building.

use super::layers::key_text;

/// A TOML document built by sections, rendered in the order sections were first used.
#[derive(Debug, Default)]
pub(crate) struct Doc {
    sections: Vec<(Vec<String>, Vec<String>)>,
}

impl Doc {
    /// Appends `key = value` to the section at `path` (`[]`: the top level). `value` is TOML.
    pub fn put(&mut self, path: &[&str], key: &str, value: String) {
        let line = format!("{} = {value}", key_text(key));
        match self
            .sections
            .iter_mut()
            .find(|(p, _)| p.iter().map(String::as_str).eq(path.iter().copied()))
        {
            Some((_, lines)) => lines.push(line),
            None => self
                .sections
                .push((path.iter().map(|s| s.to_string()).collect(), vec![line])),
        }
    }

    /// The document, after a comment `header` (one `# ` line per line of it).
    pub fn render(&self, header: &str, extra: &[(&str, Option<&toml::Table>)]) -> String {
        let mut out = String::new();
        for line in header.lines() {
            out.push_str(&format!("# {line}\n").replace("# \n", "#\n"));
        }
        let top = self.sections.iter().filter(|(p, _)| p.is_empty());
        let rest = self.sections.iter().filter(|(p, _)| !p.is_empty());
        for (_, lines) in top {
            out.push('\n');
            for line in lines {
                out.push_str(line);
                out.push('\n');
            }
        }
        for (path, lines) in rest {
            let header: Vec<String> = path.iter().map(|k| key_text(k)).collect();
            out.push_str(&format!("\n[{}]\n", header.join(".")));
            for line in lines {
                out.push_str(line);
                out.push('\n');
            }
        }
        for (name, table) in extra {
            let Some(table) = table else { continue };
            let mut wrapper = toml::Table::new();
            wrapper.insert((*name).into(), toml::Value::Table((*table).clone()));
            // Serializing a table of plain TOML values cannot fail.
            if let Ok(text) = toml::to_string(&wrapper) {
                out.push('\n');
                out.push_str(&text);
            }
        }
        out
    }
}

/// A string as a TOML literal.
pub(crate) fn string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// An inline table from `(key, TOML value)` pairs.
pub(crate) fn inline<K: AsRef<str>>(entries: &[(K, String)]) -> String {
    if entries.is_empty() {
        return "{}".to_string();
    }
    let body: Vec<String> = entries
        .iter()
        .map(|(k, v)| format!("{} = {v}", key_text(k.as_ref())))
        .collect();
    format!("{{ {} }}", body.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_sections_in_first_use_order() {
        let mut doc = Doc::default();
        doc.put(&[], "name", string("x"));
        doc.put(&["state"], "inertia", "1.0".into());
        doc.put(
            &["rivalry"],
            "US-CN",
            inline(&[("economy", "0.5".to_string())]),
        );
        doc.put(&["events", "a b"], "year", "2020".into());
        doc.put(&["state"], "noise", "0.02".into());
        let text = doc.render("resolved\n\nline", &[]);
        assert_eq!(
            text,
            "# resolved\n#\n# line\n\nname = \"x\"\n\n[state]\ninertia = 1.0\nnoise = 0.02\n\n\
             [rivalry]\nUS-CN = { economy = 0.5 }\n\n[events.\"a b\"]\nyear = 2020\n"
        );
        toml::from_str::<toml::Table>(&text).unwrap();
    }
}
