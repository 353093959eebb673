//! `-H KEY:VALUE` flags whose values are templates, filled in for each message.

use natskit::HeaderMap;

use crate::error::CliError;
use crate::headers::parse_headers;
use crate::template::{Fill, Place, Template};

/// Header names with their value templates, in the order given.
#[derive(Debug, Clone, Default)]
pub struct HeaderTemplates {
    /// Each `-H` name with its value's template; a name may come more than once.
    entries: Vec<(String, Template)>,
}

impl HeaderTemplates {
    /// Reads the `-H` flags: checked as headers first (so a bad name reads as a bad header),
    /// then each value as a template unless `templates` is false.
    pub fn parse(specs: &[String], place: Place, templates: bool) -> Result<Self, CliError> {
        let Some(headers) = parse_headers(specs)? else {
            return Ok(Self::default());
        };
        let entries = headers
            .iter()
            .map(|(name, value)| {
                let template =
                    Template::read(value, &format!("header {name:?}"), place, templates)?;
                Ok((name.to_owned(), template))
            })
            .collect::<Result<_, CliError>>()?;
        Ok(HeaderTemplates { entries })
    }

    /// True when no headers were given.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds the filled-in headers to `headers`; the error says which header failed.
    pub fn render_into(&self, fill: &Fill, headers: &mut HeaderMap) -> Result<(), String> {
        for (name, template) in &self.entries {
            let value = template
                .render_text(fill)
                .map_err(|e| format!("header {name:?}: {e}"))?;
            headers
                .append(name.as_str(), value)
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// The filled-in headers, or `None` when there are none.
    pub fn render(&self, fill: &Fill) -> Result<Option<HeaderMap>, String> {
        if self.is_empty() {
            return Ok(None);
        }
        let mut headers = HeaderMap::new();
        self.render_into(fill, &mut headers)?;
        Ok(Some(headers))
    }
}
