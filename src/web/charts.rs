//! Inline SVG bar charts for the dashboard, each with a text alternative
//! (`<title>`/`<desc>`) and a table with the same figures next to it. Bars
//! are proportional in øre (integers); only the pixel widths are rounded.

use crate::domain::money::Money;
use crate::mail::{esc, kroner};

/// The three states of money in a bucket, with colours that keep at least
/// 3:1 contrast against white (WCAG non-text contrast) and a name in Danish.
pub const SEGMENTS: [(&str, &str); 3] = [("Bevilget", "#1f4e79"), ("Reserveret", "#a04f00"), ("Disponibelt", "#2e7d32")];

/// Committed and pending only (what applications hold).
pub const HELD: [(&str, &str); 2] = [SEGMENTS[0], SEGMENTS[1]];

/// One labelled bar made of segments in the order of the chart's segment list.
pub struct Bar {
    pub label: String,
    pub parts: Vec<Money>,
}

const WIDTH: i64 = 640;
const LABEL: i64 = 285;
const ROW: i64 = 34;

/// Pixel width of `part` of `of` on a track `track` wide (integer arithmetic).
fn px(part: Money, of: i64, track: i64) -> i64 {
    if of <= 0 { 0 } else { (i128::from(part.ore()) * i128::from(track) / i128::from(of)) as i64 }
}

/// A horizontal stacked bar chart. `id` must be unique on the page.
pub fn stacked_bars(id: &str, title: &str, segments: &[(&str, &str)], bars: &[Bar]) -> String {
    let largest = bars.iter().map(|b| b.parts.iter().map(|m| m.ore()).sum::<i64>()).max().unwrap_or(0);
    let track = WIDTH - LABEL - 10;
    let height = ROW * bars.len() as i64 + 34;
    let summary = bars
        .iter()
        .map(|b| {
            let figures: Vec<String> =
                segments.iter().zip(&b.parts).map(|((name, _), m)| format!("{} {}", name.to_lowercase(), kroner(*m))).collect();
            format!("{}: {}", b.label, figures.join(", "))
        })
        .collect::<Vec<_>>()
        .join(". ");
    let mut svg = format!(
        "<svg class=\"chart\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" viewBox=\"0 0 {WIDTH} {height}\" width=\"100%\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title id=\"{id}-t\">{title}</title><desc id=\"{id}-d\">{desc}</desc>",
        title = esc(title),
        desc = esc(&summary),
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = i as i64 * ROW + 4;
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{}\" font-size=\"15\" fill=\"#1a1a1a\">{}</text>",
            y + 19,
            esc(&truncate(&bar.label, 30))
        ));
        let mut x = LABEL;
        for ((name, colour), m) in segments.iter().zip(bar.parts.iter().copied()) {
            let w = px(m, largest, track);
            if w > 0 {
                svg.push_str(&format!(
                    "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"26\" fill=\"{colour}\"><title>{}: {}</title></rect>",
                    esc(name),
                    kroner(m)
                ));
            }
            x += w;
        }
    }
    // The legend, as text in the picture too.
    let ly = bars.len() as i64 * ROW + 18;
    let mut lx = 0;
    for (name, colour) in segments {
        svg.push_str(&format!(
            "<rect x=\"{lx}\" y=\"{}\" width=\"14\" height=\"14\" fill=\"{colour}\"/><text x=\"{}\" y=\"{}\" font-size=\"14\" fill=\"#1a1a1a\">{name}</text>",
            ly - 2,
            lx + 20,
            ly + 10
        ));
        lx += 130;
    }
    svg.push_str("</svg>");
    svg
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max { text.to_owned() } else { format!("{}…", text.chars().take(max - 1).collect::<String>()) }
}

/// The table that says what the chart shows.
pub fn table(caption: &str, first_column: &str, segments: &[(&str, &str)], bars: &[Bar]) -> String {
    let mut html =
        format!("<table class=\"figures\"><caption>{}</caption><thead><tr><th scope=\"col\">{}</th>", esc(caption), esc(first_column));
    for (name, _) in segments {
        html.push_str(&format!("<th scope=\"col\" class=\"num\">{name}</th>"));
    }
    html.push_str("</tr></thead><tbody>");
    for bar in bars {
        html.push_str(&format!("<tr><th scope=\"row\">{}</th>", esc(&bar.label)));
        for m in &bar.parts {
            html.push_str(&format!("<td class=\"num\">{}</td>", kroner(*m)));
        }
        html.push_str("</tr>");
    }
    html.push_str("</tbody></table>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(text: &str) -> Money {
        Money::parse(text).expect("amount")
    }

    #[test]
    fn a_chart_names_every_figure_for_screen_readers() {
        let bars = [Bar { label: "Løbende".into(), parts: vec![m("85000.00"), m("140000.00"), m("646553.00")] }];
        let svg = stacked_bars("vest", "Vest 2022", &SEGMENTS, &bars);
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("Løbende: bevilget 85.000,00 kr., reserveret 140.000,00 kr., disponibelt 646.553,00 kr."), "{svg}");
        let table = table("Vest 2022", "Spor", &SEGMENTS, &bars);
        assert!(table.contains("<td class=\"num\">646.553,00 kr.</td>"));
    }

    #[test]
    fn bars_are_proportional_and_never_wider_than_the_track() {
        assert_eq!(px(m("50.00"), 10_000, 440), 220);
        assert_eq!(px(m("100.00"), 10_000, 440), 440);
        assert_eq!(px(m("1.00"), 0, 440), 0);
    }
}
