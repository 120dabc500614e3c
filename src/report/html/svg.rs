//! What every chart shares: units and their axis scales, the palette, escaping, numbers
//! written the same way on every run.

use crate::diff::metrics::{Shown, value};

/// Okabe–Ito, the palette that stays distinguishable with every common colour-vision
/// deficiency; its yellow is last because it is faint on white paper.
pub const PALETTE: [&str; 8] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442",
];

/// Light to dark blues for percentiles: p50 → p999 reads as "more of the tail" even in grey.
pub const SEQUENTIAL: [&str; 4] = ["#9ecae1", "#4292c6", "#08519c", "#08306b"];

/// Chart width in SVG units; the page scales it to the column.
pub const WIDTH: f64 = 640.0;

/// The unit of a chart's values as the snapshot holds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Microseconds, shown in milliseconds.
    Micros,
    Bytes,
    Count,
    /// 0..1, shown in percent.
    Ratio,
    /// Seconds per second (GC time), shown as ms/s.
    BusyTime,
}

impl Unit {
    fn shown(self) -> Shown {
        match self {
            Unit::Micros => Shown::Micros,
            Unit::Bytes => Shown::Bytes,
            Unit::Count => Shown::Count,
            Unit::Ratio => Shown::Ratio,
            Unit::BusyTime => Shown::BusyTime,
        }
    }

    /// A value as a person reads it: `105.8 ms`, `28.8 KiB`, `81.3 %`.
    pub fn text(self, v: f64) -> String {
        if !v.is_finite() {
            return "n/a".into();
        }
        value(self.shown(), v)
    }
}

/// A linear axis from 0: its top, its ticks, and the unit its tick labels are written in.
pub struct Axis {
    pub max: f64,
    pub ticks: Vec<f64>,
    /// Values are divided by this for tick labels.
    divisor: f64,
    pub suffix: &'static str,
}

impl Axis {
    /// An axis that holds `max` (in the unit's base) with four or five round ticks.
    pub fn new(unit: Unit, max: f64) -> Axis {
        let max = if max.is_finite() && max > 0.0 {
            max
        } else {
            0.0
        };
        let (divisor, suffix) = match unit {
            Unit::Micros => (1000.0, "ms"),
            Unit::Ratio => (0.01, "%"),
            Unit::BusyTime => (0.001, "ms/s"),
            Unit::Count => (1.0, ""),
            Unit::Bytes => {
                let mut d = 1.0;
                let mut s = "B";
                for (next, name) in [
                    (1024.0, "KiB"),
                    (1048576.0, "MiB"),
                    (1073741824.0, "GiB"),
                    (1099511627776.0, "TiB"),
                ] {
                    if max >= next {
                        d = next;
                        s = name;
                    }
                }
                (d, s)
            }
        };
        let scaled = max / divisor;
        let (top, step) = if unit == Unit::Ratio {
            (100.0, 25.0)
        } else {
            let step = nice_step(scaled / 4.0, unit == Unit::Count);
            let top = ((scaled / step).ceil() * step).max(step);
            (top, step)
        };
        let n = (top / step).round() as usize;
        Axis {
            max: top * divisor,
            ticks: (0..=n).map(|i| i as f64 * step * divisor).collect(),
            divisor,
            suffix,
        }
    }

    /// A tick label, without the unit (the axis title carries it).
    pub fn label(&self, v: f64) -> String {
        num(v / self.divisor)
    }
}

/// 1, 2 or 5 times a power of ten, at least `raw`; whole numbers for counts.
fn nice_step(raw: f64, whole: bool) -> f64 {
    if raw.is_nan() || raw <= 0.0 {
        return 1.0;
    }
    let exp = 10f64.powf(raw.log10().floor());
    let f = raw / exp;
    let m = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    let step = m * exp;
    if whole { step.max(1.0) } else { step }
}

/// A number for a label: up to three significant decimals, no trailing zeros.
pub fn num(v: f64) -> String {
    let s = if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".into() } else { s }
}

/// A coordinate with one decimal: enough for a screen, and the same bytes every run.
pub fn c(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// Escapes text for element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML (inline SVG is parsed as such by some
            // viewers); a planted one must not break the page.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// At most `n` characters, with `…` when cut.
pub fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
    t.push('…');
    t
}

/// Rough width of a label at the charts' 11px sans-serif, for layout decisions.
pub fn text_width(s: &str) -> f64 {
    s.chars().count() as f64 * 6.2
}

/// The opening `<svg>` tag: scalable, labelled for screen readers by its title.
pub fn open(out: &mut String, id: &str, height: f64, title: &str) {
    out.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" role=\"img\" aria-labelledby=\"{id}-t\" class=\"chart\" data-chart=\"{id}\">\n<title id=\"{id}-t\">{}</title>\n",
        c(WIDTH),
        c(height),
        esc(title)
    ));
}

/// A legend row at the top: one swatch and name per series.
pub fn legend(out: &mut String, names: &[String], colours: &[&str], x0: f64, y: f64) {
    let mut x = x0;
    for (i, name) in names.iter().enumerate() {
        let colour = colours[i % colours.len()];
        out.push_str(&format!(
            "<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{colour}\" class=\"swatch\"/><text x=\"{}\" y=\"{}\" class=\"legend\">{}</text>\n",
            c(x),
            c(y - 9.0),
            c(x + 14.0),
            c(y),
            esc(name)
        ));
        x += 14.0 + text_width(name) + 16.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_are_round_and_hold_the_maximum() {
        let a = Axis::new(Unit::Micros, 126_934.0);
        assert_eq!(a.suffix, "ms");
        assert!(a.max >= 126_934.0, "{}", a.max);
        let labels: Vec<String> = a.ticks.iter().map(|t| a.label(*t)).collect();
        assert_eq!(labels, ["0", "50", "100", "150"]);
        let b = Axis::new(Unit::Bytes, 3.0 * 1024.0 * 1024.0);
        assert_eq!(b.suffix, "MiB");
        assert_eq!(b.label(b.max), "3");
        let r = Axis::new(Unit::Ratio, 0.4);
        assert_eq!(r.label(r.max), "100");
        let z = Axis::new(Unit::Count, 0.0);
        assert_eq!(z.ticks.len(), 2, "an all-zero chart still has an axis");
        assert_eq!(
            Axis::new(Unit::Count, 3.0).label(Axis::new(Unit::Count, 3.0).ticks[1]),
            "1"
        );
    }

    #[test]
    fn escaping_and_numbers_are_stable() {
        assert_eq!(
            esc("<a href=\"x\">&'\u{7}"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;\u{FFFD}"
        );
        assert_eq!(num(0.0), "0");
        assert_eq!(num(12.345), "12.3");
        assert_eq!(num(-0.0001), "0");
        assert_eq!(c(12.04), "12");
        assert_eq!(cut("abcdef", 4), "abc…");
    }
}
