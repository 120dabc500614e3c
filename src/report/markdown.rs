//! Markdown for pull-request comments and tickets (to be written: issue 5).

use super::Report;

pub fn render(report: &Report) -> String {
    super::json::render(report)
}
