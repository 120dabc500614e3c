//! Vertical bars: one group per category (a node, a table, a thread pool), one bar per series
//! in each group. A single series is a plain bar chart; a capacity per category (the heap's
//! maximum) is drawn as a pale bar behind its bar.

use std::fmt::Write as _;

use super::svg::{self, Axis, Unit, c, esc};

/// One bar's value, what its tooltip adds, and the node it belongs to (for `data-node`).
#[derive(Debug, Clone, Default)]
pub struct Cell {
    pub value: Option<f64>,
    /// Said in place of a value that is absent ("n/a", "unused").
    pub missing: &'static str,
    /// Extra tooltip text after the value.
    pub tip: String,
    pub node: Option<String>,
}

impl Cell {
    pub fn new(value: Option<f64>, node: Option<&str>) -> Cell {
        Cell {
            value: value.filter(|v| v.is_finite()),
            missing: "n/a",
            tip: String::new(),
            node: node.map(str::to_string),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Category {
    pub label: String,
    /// A second, smaller line under the label (a node's disk size).
    pub sub: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Bars {
    pub unit: Unit,
    /// What the value axis measures; the unit is appended.
    pub y_title: String,
    pub categories: Vec<Category>,
    /// Legend names; a single series has no legend.
    pub series: Vec<String>,
    pub colours: &'static [&'static str],
    /// `[category][series]`.
    pub cells: Vec<Vec<Cell>>,
    /// Per category, drawn behind the (single) series, with this legend name.
    pub capacity: Option<(String, Vec<Option<f64>>)>,
}

const LEFT: f64 = 62.0;
const RIGHT: f64 = 12.0;
const PLOT_H: f64 = 190.0;
/// Longest category label drawn before it is cut (the full one is in the tooltip).
const LABEL_CHARS: usize = 26;

pub fn render(out: &mut String, id: &str, title: &str, b: &Bars) {
    let legend = b.series.len() > 1 || b.capacity.is_some();
    let top = if legend { 34.0 } else { 14.0 };
    let plot_w = svg::WIDTH - LEFT - RIGHT;
    let ncat = b.categories.len().max(1) as f64;
    let nser = b.series.len().max(1) as f64;
    let group_w = plot_w / ncat;
    let bar_w = (group_w * 0.8 / nser).min(56.0);
    let labels: Vec<String> = b
        .categories
        .iter()
        .map(|k| svg::cut(&k.label, LABEL_CHARS))
        .collect();
    let widest = labels
        .iter()
        .map(|l| svg::text_width(l))
        .fold(0.0, f64::max);
    let rotate = widest > group_w - 4.0;
    let has_sub = b.categories.iter().any(|k| k.sub.is_some());
    let bottom =
        if rotate { 24.0 + widest * 0.62 } else { 22.0 } + if has_sub { 14.0 } else { 0.0 } + 16.0;
    let height = top + PLOT_H + bottom;

    let mut max: f64 = 0.0;
    for row in &b.cells {
        for cell in row {
            max = max.max(cell.value.unwrap_or(0.0));
        }
    }
    if let Some((_, caps)) = &b.capacity {
        max = caps
            .iter()
            .flatten()
            .filter(|v| v.is_finite())
            .fold(max, |m, v| m.max(*v));
    }
    let axis = Axis::new(b.unit, max);
    let y = |v: f64| top + PLOT_H - (v / axis.max).clamp(0.0, 1.0) * PLOT_H;

    svg::open(out, id, height, title);
    if legend {
        let mut names = b.series.clone();
        let mut colours: Vec<&str> = b
            .colours
            .iter()
            .copied()
            .cycle()
            .take(names.len())
            .collect();
        if let Some((name, _)) = &b.capacity {
            names.push(name.clone());
            colours.push(CAPACITY_FILL);
        }
        svg::legend(out, &names, &colours, LEFT, 16.0);
    }
    // Grid and value axis.
    for t in &axis.ticks {
        let _ = writeln!(
            out,
            "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" class=\"grid\"/><text x=\"{3}\" y=\"{4}\" class=\"tick\" text-anchor=\"end\">{5}</text>",
            c(LEFT),
            c(LEFT + plot_w),
            c(y(*t)),
            c(LEFT - 6.0),
            c(y(*t) + 4.0),
            esc(&axis.label(*t))
        );
    }
    let y_title = if axis.suffix.is_empty() {
        b.y_title.clone()
    } else {
        format!("{} ({})", b.y_title, axis.suffix)
    };
    let mid = top + PLOT_H / 2.0;
    let _ = writeln!(
        out,
        "<text x=\"14\" y=\"{0}\" transform=\"rotate(-90 14 {0})\" class=\"axis-title\" text-anchor=\"middle\">{1}</text>",
        c(mid),
        esc(&y_title)
    );
    let _ = writeln!(
        out,
        "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" class=\"axis\"/>",
        c(LEFT),
        c(LEFT + plot_w),
        c(top + PLOT_H)
    );

    for (ci, cat) in b.categories.iter().enumerate() {
        let gx = LEFT + ci as f64 * group_w;
        let first = gx + (group_w - bar_w * nser) / 2.0;
        if let Some((name, caps)) = &b.capacity
            && let Some(cap) = caps.get(ci).copied().flatten().filter(|v| v.is_finite())
        {
            let yy = y(cap);
            let _ = writeln!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{CAPACITY_FILL}\" class=\"capacity\"><title>{}: {} {}</title></rect>",
                c(first - 4.0),
                c(yy),
                c(bar_w * nser + 8.0),
                c(top + PLOT_H - yy),
                esc(&cat.label),
                esc(name),
                esc(&b.unit.text(cap))
            );
        }
        let row = b.cells.get(ci);
        for si in 0..b.series.len().max(1) {
            let Some(cell) = row.and_then(|r| r.get(si)) else {
                continue;
            };
            let x = first + si as f64 * bar_w;
            let series = b.series.get(si).map(String::as_str).unwrap_or("");
            let who = if series.is_empty() || b.series.len() == 1 {
                cat.label.clone()
            } else {
                format!("{}, {series}", cat.label)
            };
            let node = cell
                .node
                .as_deref()
                .map(|n| format!(" data-node=\"{}\"", esc(n)))
                .unwrap_or_default();
            match cell.value {
                Some(v) => {
                    let yy = y(v);
                    // A zero is drawn as a hairline, so "nothing pending" reads as measured.
                    let h = (top + PLOT_H - yy).max(1.0);
                    let text = b.unit.text(v);
                    let tip = if cell.tip.is_empty() {
                        format!("{who}: {text}")
                    } else {
                        format!("{who}: {text} ({})", cell.tip)
                    };
                    let _ = writeln!(
                        out,
                        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" class=\"bar\"{node}><title>{}</title></rect>",
                        c(x + 1.0),
                        c(top + PLOT_H - h),
                        c((bar_w - 2.0).max(1.0)),
                        c(h),
                        b.colours[si % b.colours.len()],
                        esc(&tip)
                    );
                    let short = axis.label(v);
                    if short.len() as f64 * 5.6 <= bar_w + 6.0 {
                        let _ = writeln!(
                            out,
                            "<text x=\"{}\" y=\"{}\" class=\"value\" text-anchor=\"middle\">{}</text>",
                            c(x + bar_w / 2.0),
                            c(top + PLOT_H - h - 3.0),
                            esc(&short)
                        );
                    }
                }
                None => {
                    let _ = writeln!(
                        out,
                        "<text x=\"{0}\" y=\"{1}\" class=\"missing\" text-anchor=\"start\" transform=\"rotate(-90 {0} {1})\"{node}><title>{2}: {3}</title>{3}</text>",
                        c(x + bar_w / 2.0 + 3.0),
                        c(top + PLOT_H - 4.0),
                        esc(&who),
                        esc(cell.missing)
                    );
                }
            }
        }
        // Category label.
        let cx = gx + group_w / 2.0;
        let ly = top + PLOT_H + 15.0;
        if rotate {
            // A slanted label runs left from under its group: it may not leave the chart.
            let room = ((cx - 4.0) / 35f64.to_radians().cos() / 6.2)
                .floor()
                .max(4.0) as usize;
            let _ = writeln!(
                out,
                "<text x=\"{0}\" y=\"{1}\" transform=\"rotate(-35 {0} {1})\" class=\"cat\" text-anchor=\"end\"><title>{2}</title>{3}</text>",
                c(cx),
                c(ly),
                esc(&cat.label),
                esc(&svg::cut(&labels[ci], room))
            );
        } else {
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{}\" class=\"cat\" text-anchor=\"middle\">{}</text>",
                c(cx),
                c(ly),
                esc(&labels[ci])
            );
        }
        if let Some(sub) = &cat.sub {
            let sy = if rotate { height - 20.0 } else { ly + 14.0 };
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{}\" class=\"sub\" text-anchor=\"middle\">{}</text>",
                c(cx),
                c(sy),
                esc(&svg::cut(sub, LABEL_CHARS))
            );
        }
    }
    out.push_str("</svg>\n");
}

const CAPACITY_FILL: &str = "#d9d9d9";
