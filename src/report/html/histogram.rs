//! A histogram over fixed buckets, each bar stacked by series (node): the total height is the
//! whole cluster, the segments say where it sits.

use std::fmt::Write as _;

use super::svg::{self, Axis, Unit, c, esc};

#[derive(Debug, Clone)]
pub struct Histogram {
    pub x_title: String,
    pub y_title: String,
    pub buckets: Vec<String>,
    /// Stack segments (nodes), in legend order.
    pub series: Vec<String>,
    /// `[bucket][series]`, counts.
    pub counts: Vec<Vec<f64>>,
}

const LEFT: f64 = 62.0;
const RIGHT: f64 = 12.0;
const PLOT_H: f64 = 190.0;

pub fn render(out: &mut String, id: &str, title: &str, h: &Histogram) {
    let top = 34.0;
    let plot_w = svg::WIDTH - LEFT - RIGHT;
    let n = h.buckets.len().max(1) as f64;
    let bw = plot_w / n;
    let height = top + PLOT_H + 52.0;
    let totals: Vec<f64> = h
        .counts
        .iter()
        .map(|r| r.iter().filter(|v| v.is_finite()).sum())
        .collect();
    let axis = Axis::new(Unit::Count, totals.iter().copied().fold(0.0, f64::max));
    let scale = |v: f64| (v / axis.max).clamp(0.0, 1.0) * PLOT_H;

    svg::open(out, id, height, title);
    svg::legend(out, &h.series, &svg::PALETTE, LEFT, 16.0);
    for t in &axis.ticks {
        let yy = top + PLOT_H - scale(*t);
        let _ = writeln!(
            out,
            "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" class=\"grid\"/><text x=\"{3}\" y=\"{4}\" class=\"tick\" text-anchor=\"end\">{5}</text>",
            c(LEFT),
            c(LEFT + plot_w),
            c(yy),
            c(LEFT - 6.0),
            c(yy + 4.0),
            esc(&axis.label(*t))
        );
    }
    let mid = top + PLOT_H / 2.0;
    let _ = writeln!(
        out,
        "<text x=\"14\" y=\"{0}\" transform=\"rotate(-90 14 {0})\" class=\"axis-title\" text-anchor=\"middle\">{1}</text>",
        c(mid),
        esc(&h.y_title)
    );
    for (bi, bucket) in h.buckets.iter().enumerate() {
        let x = LEFT + bi as f64 * bw;
        let mut base = top + PLOT_H;
        for (si, node) in h.series.iter().enumerate() {
            let v = h
                .counts
                .get(bi)
                .and_then(|r| r.get(si))
                .copied()
                .unwrap_or(0.0);
            if !v.is_finite() || v <= 0.0 {
                continue;
            }
            let hh = scale(v).max(1.0);
            base -= hh;
            let _ = writeln!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" class=\"bar\" data-node=\"{}\"><title>{}, {}: {} partitions</title></rect>",
                c(x + 1.0),
                c(base),
                c(bw - 2.0),
                c(hh),
                svg::PALETTE[si % svg::PALETTE.len()],
                esc(node),
                esc(bucket),
                esc(node),
                esc(&svg::num(v))
            );
        }
        let total = totals.get(bi).copied().unwrap_or(0.0);
        if total > 0.0 {
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{}\" class=\"value\" text-anchor=\"middle\">{}</text>",
                c(x + bw / 2.0),
                c(base - 3.0),
                esc(&svg::num(total))
            );
        }
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" class=\"cat\" text-anchor=\"middle\">{}</text>",
            c(x + bw / 2.0),
            c(top + PLOT_H + 15.0),
            esc(bucket)
        );
    }
    let _ = writeln!(
        out,
        "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" class=\"axis\"/>\n<text x=\"{3}\" y=\"{4}\" class=\"axis-title\" text-anchor=\"middle\">{5}</text>",
        c(LEFT),
        c(LEFT + plot_w),
        c(top + PLOT_H),
        c(LEFT + plot_w / 2.0),
        c(top + PLOT_H + 38.0),
        esc(&h.x_title)
    );
    out.push_str("</svg>\n");
}
