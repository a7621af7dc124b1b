//! Bar charts for the dashboard as HTML and CSS (no SVG text that shrinks
//! on a phone): every bar of one section is drawn on ONE scale, so a bar's
//! length is its amount over the section's largest bar, and each bar says
//! its figures in text. Widths are computed in øre (integers); only the
//! percentage printed is rounded, to a ten-thousandth of a percent. A table
//! with the same figures goes with every chart.

use crate::domain::money::Money;

/// The three states of money in a bucket, with colours that keep at least
/// 3:1 contrast against white (WCAG non-text contrast) and a name in Danish.
pub const SEGMENTS: [(&str, &str); 3] = [("Bevilget", "#1f4e79"), ("Reserveret", "#a04f00"), ("Disponibelt", "#2e7d32")];

/// Committed and pending only (what applications hold).
pub const HELD: [(&str, &str); 2] = [SEGMENTS[0], SEGMENTS[1]];

pub use crate::domain::danish::kroner_nbsp;

/// One labelled bar made of segments in the order of the chart's segment list.
pub struct Bar {
    pub label: String,
    pub parts: Vec<Money>,
}

impl Bar {
    /// The bar's whole length in øre.
    pub fn ore(&self) -> i128 {
        self.parts.iter().map(|m| i128::from(m.ore())).sum()
    }
}

/// The largest bar of a section: the scale every chart of it is drawn on.
pub fn scale<'a>(bars: impl IntoIterator<Item = &'a Bar>) -> i128 {
    bars.into_iter().map(Bar::ore).max().unwrap_or(0)
}

/// `part` of `scale` as a CSS percentage ("33.3333%").
pub fn percent(part: Money, scale: i128) -> String {
    let millionths = if scale <= 0 { 0 } else { (i128::from(part.ore()) * 1_000_000 / scale).clamp(0, 1_000_000) };
    format!("{}.{:04}%", millionths / 10_000, millionths % 10_000)
}

/// A segment as drawn.
pub struct Segment {
    pub width: String,
    pub colour: &'static str,
}

/// A figure as written under the bar and in the table.
pub struct Figure {
    pub name: &'static str,
    pub colour: &'static str,
    pub amount: String,
}

/// A bar as the template draws it.
pub struct Row {
    pub label: String,
    pub segments: Vec<Segment>,
    pub total: String,
    pub figures: Vec<Figure>,
}

/// A chart and its table.
pub struct Chart {
    pub caption: String,
    pub first_column: &'static str,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Row>,
}

/// The chart of `bars` on `scale` (see [`scale`]).
pub fn chart(caption: String, first_column: &'static str, segments: &[(&'static str, &'static str)], bars: &[Bar], scale: i128) -> Chart {
    let rows = bars
        .iter()
        .map(|bar| {
            let pairs = || segments.iter().zip(bar.parts.iter().copied());
            Row {
                label: bar.label.clone(),
                segments: pairs()
                    .filter(|(_, m)| !m.is_zero())
                    .map(|((_, colour), m)| Segment { width: percent(m, scale), colour })
                    .collect(),
                total: kroner_nbsp(Money::from_ore(bar.parts.iter().map(|m| m.ore()).sum()).unwrap_or_default()),
                figures: pairs().map(|((name, colour), m)| Figure { name, colour, amount: kroner_nbsp(m) }).collect(),
            }
        })
        .collect();
    Chart { caption, first_column, columns: segments.iter().map(|(name, _)| *name).collect(), rows }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(text: &str) -> Money {
        Money::parse(text).expect("amount")
    }

    #[test]
    fn one_scale_makes_a_third_of_the_largest_a_third_as_long() {
        let bars = [
            Bar { label: "Løbende".into(), parts: vec![m("264000.00"), m("0.00"), m("17330.25")] },
            Bar { label: "Ældre".into(), parts: vec![m("93776.75"), m("0.00")] },
        ];
        let s = scale(&bars);
        assert_eq!(s, 28_133_025);
        assert_eq!(percent(m("93776.75"), s), "33.3333%");
        assert_eq!(percent(m("281330.25"), s), "100.0000%");
        assert_eq!(percent(m("1.00"), 0), "0.0000%");
        let c = chart("Vest".into(), "Spor", &SEGMENTS, &bars[..1], s);
        assert_eq!(c.rows[0].segments.len(), 2, "a zero segment is not drawn");
        assert_eq!(c.rows[0].total, "281.330,25\u{a0}kr.");
        assert_eq!(c.rows[0].figures[1].amount, "0,00\u{a0}kr.");
    }

    #[test]
    fn amounts_keep_kr_on_the_same_line() {
        assert_eq!(kroner_nbsp(m("85000.00")), "85.000,00\u{a0}kr.");
        assert_eq!(crate::domain::money::kroner(m("85000.00")), "85.000,00 kr.", "CSV keeps the plain space");
    }
}
