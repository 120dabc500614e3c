//! Horizontal bars for ranked lists (the largest partitions): long labels stay readable and
//! the order is the ranking.

use std::fmt::Write as _;

use super::svg::{self, Axis, Unit, c, esc};

#[derive(Debug, Clone)]
pub struct Row {
    pub label: String,
    pub value: f64,
    /// Extra tooltip text after the value.
    pub tip: String,
    /// Index into the legend (the row's node), for its colour.
    pub series: usize,
    pub node: Option<String>,
}

#[derive(Debug, Clone)]
pub struct HBars {
    pub unit: Unit,
    pub x_title: String,
    /// Legend names (nodes); rows are coloured by theirs.
    pub series: Vec<String>,
    pub rows: Vec<Row>,
}

const ROW_H: f64 = 22.0;
const LABEL_CHARS: usize = 38;

pub fn render(out: &mut String, id: &str, title: &str, h: &HBars) {
    let labels: Vec<String> = h
        .rows
        .iter()
        .map(|r| svg::cut(&r.label, LABEL_CHARS))
        .collect();
    let left = labels
        .iter()
        .map(|l| svg::text_width(l))
        .fold(60.0, f64::max)
        .min(250.0)
        + 12.0;
    let right = 70.0;
    let top = if h.series.len() > 1 { 34.0 } else { 12.0 };
    let plot_w = svg::WIDTH - left - right;
    let plot_h = ROW_H * h.rows.len().max(1) as f64;
    let height = top + plot_h + 44.0;
    let max = h
        .rows
        .iter()
        .map(|r| r.value)
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let axis = Axis::new(h.unit, max);
    let x = |v: f64| left + (v / axis.max).clamp(0.0, 1.0) * plot_w;

    svg::open(out, id, height, title);
    if h.series.len() > 1 {
        svg::legend(out, &h.series, &svg::PALETTE, left, 16.0);
    }
    for t in &axis.ticks {
        let _ = writeln!(
            out,
            "<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" class=\"grid\"/><text x=\"{0}\" y=\"{3}\" class=\"tick\" text-anchor=\"middle\">{4}</text>",
            c(x(*t)),
            c(top),
            c(top + plot_h),
            c(top + plot_h + 14.0),
            esc(&axis.label(*t))
        );
    }
    let x_title = if axis.suffix.is_empty() {
        h.x_title.clone()
    } else {
        format!("{} ({})", h.x_title, axis.suffix)
    };
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" class=\"axis-title\" text-anchor=\"middle\">{}</text>",
        c(left + plot_w / 2.0),
        c(top + plot_h + 34.0),
        esc(&x_title)
    );
    for (i, row) in h.rows.iter().enumerate() {
        let ry = top + i as f64 * ROW_H;
        let w = (x(row.value) - left).max(1.0);
        let text = h.unit.text(row.value);
        let tip = if row.tip.is_empty() {
            format!("{}: {text}", row.label)
        } else {
            format!("{}: {text} ({})", row.label, row.tip)
        };
        let node = row
            .node
            .as_deref()
            .map(|n| format!(" data-node=\"{}\"", esc(n)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" class=\"cat\" text-anchor=\"end\">{}</text>\n<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"14\" fill=\"{}\" class=\"bar\"{node}><title>{}</title></rect>\n<text x=\"{}\" y=\"{}\" class=\"value\">{}</text>",
            c(left - 6.0),
            c(ry + 15.0),
            esc(&labels[i]),
            c(left),
            c(ry + 4.0),
            c(w),
            svg::PALETTE[row.series % svg::PALETTE.len()],
            esc(&tip),
            c(left + w + 4.0),
            c(ry + 15.0),
            esc(&text)
        );
    }
    let _ = writeln!(
        out,
        "<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" class=\"axis\"/>",
        c(left),
        c(top),
        c(top + plot_h)
    );
    out.push_str("</svg>\n");
}
